from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.export.transforms.widen_accumulators import WidenAccumulators


class WidenAccumulatorsTest(CodemodTest):
    TRANSFORM = WidenAccumulators

    def test_numbers_that_grow_or_divide_are_declared_before_their_first_binding(self) -> None:
        before = (
            "def train(loader) -> None:\n"
            "    for epoch in range(3):\n"
            "        loss, acc, seen = 0, 0, 0\n"
            "        for X, y in loader:\n"
            "            loss += loss_fn(X, y)\n"
            "            seen += len(X)\n"
            "        acc /= len(loader)\n"
        )
        after = (
            "def train(loader) -> None:\n"
            "    for epoch in range(3):\n"
            "        loss: Any\n"
            "        acc: float\n"
            "        loss, acc, seen = 0, 0, 0\n"
            "        for X, y in loader:\n"
            "            loss += loss_fn(X, y)\n"
            "            seen += len(X)\n"
            "        acc /= len(loader)\n"
        )
        self.assertCodemod(before, after)

    def test_an_unannotated_function_is_left_alone(self) -> None:
        before = "def mean(xs):\n    total = 0\n    total += sum(xs)\n    total /= len(xs)\n"
        self.assertCodemod(before, before)

    def test_the_declaration_goes_before_the_first_binding_not_an_inner_one(self) -> None:
        before = (
            "def run(n) -> None:\n    start = 0\n    for _ in range(n):\n        start += n\n"
            "        if start > 9:\n            start = 0\n"
        )
        after = (
            "def run(n) -> None:\n    start: Any\n    start = 0\n    for _ in range(n):\n"
            "        start += n\n        if start > 9:\n            start = 0\n"
        )
        self.assertCodemod(before, after)

    def test_a_number_rebound_to_another_value_is_declared(self) -> None:
        before = "def show(ds) -> None:\n    refc = 0\n    for k in ds:\n        refc = ds[k]\n    refc.plot()\n"
        after = (
            "def show(ds) -> None:\n    refc: Any\n    refc = 0\n    for k in ds:\n"
            "        refc = ds[k]\n    refc.plot()\n"
        )
        self.assertCodemod(before, after)
