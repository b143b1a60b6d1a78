from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext, CodemodTest

from nbprod.export.transforms import PassArguments

IMPLICIT = {"build": {"train_data": "train_data"}, "step": {"device": "device"}}
POSITIONAL = {"build": ("units",), "step": ("model", "device")}


class PassArgumentsTest(CodemodTest):
    TRANSFORM = PassArguments

    def test_a_global_the_body_reads_becomes_a_keyword_only_parameter(self) -> None:
        before = "def build(units=64):\n    return Dense(units, input_shape=train_data.shape[1:])\n"
        after = (
            "def build(units=64, *, train_data):\n"
            "    return Dense(units, input_shape=train_data.shape[1:])\n"
        )
        self.assertCodemod(before, after, implicit=IMPLICIT, positional=POSITIONAL)

    def test_a_run_time_default_is_dropped(self) -> None:
        before = "def step(model, device: torch.device = device):\n    model.to(device)\n"
        after = "def step(model, device: torch.device):\n    model.to(device)\n"
        self.assertCodemod(before, after, implicit=IMPLICIT, positional=POSITIONAL)

    def test_calls_pass_what_they_do_not_pass_already(self) -> None:
        before = (
            "model = build()\nfor epoch in range(3):\n    step(model)\n"
            "step(model, 'cpu')\nstep(model, device='cpu')\n"
        )
        after = (
            "model = build(train_data=train_data)\nfor epoch in range(3):\n"
            "    step(model, device=device)\nstep(model, 'cpu')\nstep(model, device='cpu')\n"
        )
        self.assertCodemod(before, after, implicit=IMPLICIT, positional=POSITIONAL)

    def test_a_call_from_another_function_or_a_reference_is_a_problem(self) -> None:
        code = "def train(m):\n    step(m)\n\ncallbacks = [build]\n"
        transform = PassArguments(CodemodContext(), IMPLICIT, POSITIONAL)
        out = transform.transform_module(cst.parse_module(code))
        assert out.code == code
        assert transform.problems == [
            "'train' calls 'step', which reads 'device' from the notebook at run time; export "
            "'train' as a cell's code, or pass them as arguments",
            "uses 'build' without calling it, but 'build' reads 'train_data' from the notebook at "
            "run time; call it instead",
        ]

    def test_a_caller_that_takes_the_same_values_passes_them_on(self) -> None:
        before = "def fit(m):\n    return build(m)\n"
        after = "def fit(m, *, train_data):\n    return build(m, train_data=train_data)\n"
        implicit = {**IMPLICIT, "fit": {"train_data": "train_data"}}
        self.assertCodemod(before, after, implicit=implicit, positional=POSITIONAL)

    def test_a_run_time_default_after_a_literal_default_is_a_problem(self) -> None:
        code = "def step(model, epochs=5, device=device):\n    return model\n"
        transform = PassArguments(CodemodContext(), IMPLICIT, POSITIONAL)
        assert transform.transform_module(cst.parse_module(code)).code == code
        assert transform.problems == [
            "'step': parameter 'device' has a default computed at run time and follows a "
            "parameter with a default"
        ]
