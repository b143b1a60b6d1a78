from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.export.transforms import DropDisplays


class DropDisplaysTest(CodemodTest):
    TRANSFORM = DropDisplays

    def test_display_leftovers_are_dropped(self) -> None:
        before = (
            "df = load()\ndf.head()\ndf.describe()\ndf['a']\nx.mean()\nlen(df)\n"
            "df.dropna(inplace=True)\nplt.plot(df.a)\nplt.show()\nprint(df.shape)\ndf.shape\n"
        )
        after = "df = load()\ndf.dropna(inplace=True)\nplt.plot(df.a)\nprint(df.shape)\n"
        self.assertCodemod(before, after, plot=False)

    def test_a_plot_function_keeps_plt_show(self) -> None:
        before = "plt.plot(history['loss'])\nplt.show()\n"
        self.assertCodemod(before, before, plot=True)
