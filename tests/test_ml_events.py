"""ML facts for issue 13: training drivers, labelled datasets, trackers, where seeds act."""

from __future__ import annotations

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.ml_catalog import FUNCTION_TRAINERS, TRACKING_CALLS, classify
from nbprod.notebook import notebook_from_data
from nbprod.rules.base import Example


def _nb(*cells: str) -> AnalyzedNotebook:
    return AnalyzedNotebook(notebook_from_data(Example(cells).notebook_json(), "t.ipynb"))


def test_catalog_tables_are_plain_data() -> None:
    assert FUNCTION_TRAINERS["pymc.sample"] == "sample"
    assert TRACKING_CALLS["pytorch_lightning.loggers.MLFlowLogger"] == "mlflow"
    assert TRACKING_CALLS["transformers.TrainingArguments"] is None  # named by `report_to=`
    assert classify("ignite.engine.create_supervised_trainer") == "trainer"


def test_training_drivers_train_neural_networks() -> None:
    nb = _nb(
        "from transformers import Trainer\nimport pytorch_lightning as pl\n"
        "from ignite.engine import create_supervised_trainer",
        "hf = Trainer(model=m, args=a)\nhf.train()",
        "pl_trainer = pl.Trainer(max_epochs=3)\npl_trainer.fit(module)",
        "ig = create_supervised_trainer(net, opt, loss)\nig.run(loader, max_epochs=3)",
        "engine.run(loader)",  # an unknown object's `run` trains nothing
    )
    trainings = nb.ml.trainings
    assert [t.api for t in trainings] == ["train", "fit", "run"]
    assert all(t.neural and t.nontrivial for t in trainings)


def test_training_functions_include_their_callers() -> None:
    nb = _nb(
        "import torch",
        "def step(x, y):\n    loss_fn(net(x), y).backward()\n    opt.step()",
        "def train(loader):\n    for x, y in loader:\n        step(x, y)",
        "def report():\n    print(1)",
    )
    assert nb.ml.training_functions == frozenset({"step", "train"})


def test_labelled_datasets_follow_names_and_pipeline_methods() -> None:
    nb = _nb(
        "import tensorflow as tf\nfrom tensorflow import keras",
        "pairs = tf.data.Dataset.from_tensor_slices((x, y))\nbatches = pairs.shuffle(100).batch(32)\n"
        "images = keras.utils.image_dataset_from_directory('d', labels=None)\n"
        "inputs = tf.data.Dataset.from_tensor_slices(x)",
    )
    ml = nb.ml
    end = (9, 0, 0)

    def labelled(name: str) -> bool:
        import ast

        return ml.labelled(ast.Name(name, ast.Load()), end)

    assert labelled("pairs") and labelled("batches")
    assert not labelled("images") and not labelled("inputs")


def test_tracker_uses_from_calls_and_keywords() -> None:
    nb = _nb(
        "from transformers import TrainingArguments\nimport lightning as L\n"
        "from accelerate import Accelerator",
        "a = TrainingArguments('o', report_to=['wandb', 'none'])\n"
        "b = TrainingArguments('o', report_to='none')\n"
        "t = L.Trainer(logger=False)\nu = L.Trainer()\nacc = Accelerator(log_with=cfg.tracker)",
    )
    calls = [u.module for u in nb.ml.tracker_uses if u.facts.cell.index == 1]
    assert calls == ["wandb", "lightning-logs", "configured"]


def test_a_seed_in_a_function_acts_where_the_function_is_called() -> None:
    nb = _nb(
        "import numpy as np\nimport torch",
        "def seed_all(s):\n    np.random.seed(s)\n    torch.manual_seed(s)",
        "def unused():\n    torch.manual_seed(1)",
        "x = np.random.rand(3)",
        "seed_all(0)",
        "class Net:\n    def __init__(self):\n        torch.manual_seed(2)",
    )
    ml = nb.ml
    assert [
        (s.site.facts.cell.index, sorted(s.libraries)) for s in ml.seeds if s.scope is None
    ] == [(4, ["numpy"]), (4, ["torch"])]
    # inside the body, a seed acts on what follows it there
    assert {s.scope for s in ml.seeds} == {None, "seed_all", "unused", "Net"}
    assert not ml.seeded_before("numpy", ml.order(nb.cells[3], nb.cells[3].calls[0].node))
    assert ml.seeded_before("torch", (9, 0, 0))


def test_a_seed_in_a_launched_function_acts_in_its_body_and_at_the_launch() -> None:
    nb = _nb(
        "import torch\nfrom torch.utils.data import DataLoader\nfrom accelerate import notebook_launcher",
        "def train():\n    torch.manual_seed(0)\n    dl = DataLoader(ds, shuffle=True)\n"
        "    for x, y in dl:\n        loss_fn(net(x), y).backward()\n        opt.step()",
        "notebook_launcher(train)",
    )
    ml = nb.ml
    loader = next(s for s in ml.sites if s.qualified == "torch.utils.data.DataLoader")
    assert ml.seeded_at("torch", loader)
    assert [s.site.facts.cell.index for s in ml.seeds if s.scope is None] == [2]
    assert ml.training_runs == [ml.seeds[-1].site.order]
