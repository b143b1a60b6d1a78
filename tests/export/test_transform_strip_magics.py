from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.export.magics import plan_magics
from nbprod.export.transforms import StripMagics
from nbprod.notebook.ipython import mask


class StripMagicsTest(CodemodTest):
    TRANSFORM = StripMagics

    def test_drops_and_rewrites_by_line(self) -> None:
        before = "pass\nx = 1\nfiles = None\n"
        after = 'x = 1\nfiles = subprocess.run(["ls"], check=True).stdout\n'
        self.assertCodemod(
            before, after, actions={1: None, 3: 'files = subprocess.run(["ls"], check=True).stdout'}
        )

    def test_empty_block_keeps_a_pass(self) -> None:
        before = "if debug:\n    pass\nx = 1\n"
        after = "if debug:\n    pass\nx = 1\n"
        self.assertCodemod(before, after, actions={2: None})

    def test_with_the_magic_policy_on_real_ipython_source(self) -> None:
        source = (
            "%matplotlib inline\n"
            "%time total = sum(values)\n"
            "!mkdir -p out\n"
            "listing = !ls -l out\n"
            "len?\n"
        )
        masked = mask(source)
        plan = plan_magics(masked.magics)
        after = (
            "total = sum(values)\n"
            'subprocess.run(["mkdir", "-p", "out"], check=True)\n'
            'listing = subprocess.run(["ls", "-l", "out"], check=True, capture_output=True, '
            "text=True).stdout.splitlines()\n"
        )
        self.assertCodemod(masked.text, after, actions=plan.actions)
        self.assertTrue(plan.needs_subprocess)

    def test_cell_magic_time_keeps_the_code(self) -> None:
        masked = mask("%%time\nmodel = train(data)\n")
        self.assertCodemod(
            masked.text, "\nmodel = train(data)\n", actions=plan_magics(masked.magics).actions
        )
