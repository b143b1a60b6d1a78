"""Notebook-level ML facts for the experiment and data rules, computed once per notebook.

What a notebook does with models: estimator constructions (with the names they are bound
to), training calls, evaluations, experiment-tracker use, seed calls, data splits and data
loads. They come from the per-cell call facts plus one walk over each cell's statements;
expressions are walked only for the rules that follow data through assignments, and only
when they ask (``steps``).

A callee is qualified only when the head of its dotted name is imported: ``random.choice``
is the stdlib's only if ``random`` was imported, so a variable that happens to be called
``random`` is never mistaken for it. A training is a call *site*: a model trained inside a
loop over hyper-parameters is one experiment, not fifty.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Literal, TypeVar

from nbprod.analysis.cell import CallRef, CellFacts, dotted_name, is_constant
from nbprod.analysis.ml_catalog import (
    COMPOSITES,
    CROSS_VALIDATION,
    DATA_READERS,
    DATASET_PIPELINE_METHODS,
    FUNCTION_TRAINERS,
    HELD_OUT_KEYWORDS,
    KERAS_FIT_KEYWORDS,
    KERAS_PLUMBING,
    LABELLED_DATASETS,
    LABELLED_FLOWS,
    LINEAR_KERAS,
    LINEAR_TORCH,
    LOGGING_TRAINERS,
    METRIC_CALLS,
    METRIC_PREFIXES,
    MODEL_BASES,
    MODEL_KINDS,
    PAIRED_DATASETS,
    SEEDS,
    SEQUENTIAL,
    TENSORBOARD_APIS,
    TRACKER_KEYWORDS,
    TRACKING_CALLS,
    TRAINER_EVAL_METHODS,
    TRAINER_TRAIN_METHODS,
    ModelKind,
    classify,
    normalize,
)

if TYPE_CHECKING:
    from nbprod.analysis.io import FileAccess
    from nbprod.analysis.notebook import AnalyzedNotebook

Order = tuple[int, int, int]  # (code cell position, line, column): document order
Role = Literal["train", "held-out"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Site:
    """A call in a cell, at its place in document order."""

    facts: CellFacts
    node: ast.Call
    qualified: str | None  # callee through the notebook's imports, when its head is imported
    order: Order
    function: str | None  # the top-level function whose body holds the call


@dataclass(frozen=True, slots=True)
class Construction:
    site: Site
    kind: ModelKind
    qualified: str  # "sklearn.ensemble.RandomForestClassifier", or a notebook class name
    name: str | None  # the name the result is bound to (`model = ...`), if any
    inner: frozenset[str] = frozenset()  # kinds of the estimators a wrapper holds

    @property
    def label(self) -> str:
        return self.qualified.rpartition(".")[2]

    @property
    def nontrivial(self) -> bool:
        return self.kind == "model" or (self.kind == "meta" and "model" in self.inner)


@dataclass(frozen=True, slots=True)
class Training:
    site: Site  # `.fit(...)`, `xgb.train(...)`, `loss.backward()`, ...
    api: str  # "fit", "fit_generator", "train_on_batch", "train", "backward", "apply_gradients"
    model: Construction | None  # what is trained, when known
    neural: bool  # a Keras/PyTorch/TensorFlow network (learned by gradient descent)

    @property
    def nontrivial(self) -> bool:
        if self.model is not None and self.model.kind != "trainer":
            return self.model.nontrivial
        return self.neural  # a training driver (Trainer, Lightning, Ignite) trains a network


@dataclass(frozen=True, slots=True)
class Evaluation:
    site: Site
    api: str  # "sklearn.metrics.roc_auc_score", "score", "evaluate", "validation_data", ...
    # False for evaluations during training (`validation_data=`) and search CV objects
    standalone: bool = True


@dataclass(frozen=True, slots=True)
class Seed:
    site: Site  # where it takes effect
    libraries: frozenset[str]  # global generators it seeds: "numpy", "random", "torch", ...
    scope: str | None = None  # only for later calls in this function's (class's) body


@dataclass(frozen=True, slots=True)
class Bind:
    """A name bound by a module-level statement, and the part of the value it receives."""

    name: str
    value: ast.expr | None  # None for def/class/del: no data flows in
    rebinds: bool  # False for `df["c"] = ...`, `x += ...`: the old value lives on
    position: int | None = None  # index in an unpacked value (`a, b = f()`)


@dataclass(slots=True)
class Step:
    """A module-level statement, or the header of a compound one, in document order."""

    facts: CellFacts
    order: Order
    node: ast.stmt
    exprs: tuple[ast.expr, ...]  # what the step evaluates
    binds: tuple[Bind, ...] = ()


@dataclass(frozen=True, slots=True)
class Scan:
    reads: tuple[str, ...]  # names read, first occurrence first
    calls: tuple[ast.Call, ...]


@dataclass(frozen=True, slots=True)
class Split:
    """Data divided into a training and a held-out part (or cross-validated)."""

    facts: CellFacts
    node: ast.expr  # the split call, or the held-out slice of a manual split
    order: Order
    api: str  # "train_test_split", "load_data", "slice", "split", "random_split", "cross_val_score"
    train: tuple[str, ...]
    held_out: tuple[str, ...]
    inputs: tuple[str, ...]  # names of the data that is split


@dataclass(frozen=True, slots=True)
class DataLoad:
    access: FileAccess
    order: Order
    names: tuple[str, ...]  # names bound to the loaded data (through a loader function, too)


@dataclass(frozen=True, slots=True)
class TrackerUse:
    facts: CellFacts
    module: str  # "mlflow", "wandb.sdk", "azureml.core.Run", "tensorboard", "csv-logger", ...
    line: int


@dataclass(slots=True)
class _CellInfo:
    """What the statement walk finds in a cell."""

    steps: list[Step] = field(default_factory=list)
    # every assignment in any scope: (name, order, value) -- for receiver lookups
    assigns: list[tuple[str, Order, ast.expr | None]] = field(default_factory=list)


@dataclass(slots=True)
class _CellDefs:
    """A cell's top-level functions (line ranges) and classes: cheap, from `tree.body`."""

    functions: list[tuple[int, int, str]] = field(default_factory=list)
    classes: list[ast.ClassDef] = field(default_factory=list)


class MLFacts:
    def __init__(self, nb: AnalyzedNotebook) -> None:
        self.nb = nb
        self._scans: dict[int, Scan] = {}

    # -- qualification and positions ---------------------------------------------------

    def qualify(self, dotted: str | None) -> str | None:
        """``np.random.seed`` -> ``numpy.random.seed``; None unless the head is imported."""
        if dotted is None or dotted.partition(".")[0] not in self.nb.imports:
            return None
        return normalize(self.nb.qualify(dotted))

    def order(self, facts: CellFacts, node: ast.AST) -> Order:
        return (
            self.nb.position_of(facts),
            getattr(node, "lineno", 0),
            getattr(node, "col_offset", 0),
        )

    @cached_property
    def _cells(self) -> dict[int, _CellInfo]:
        return {id(f): _walk_cell(self, f) for f in self.nb.cells if f.tree is not None}

    def _info(self, facts: CellFacts) -> _CellInfo:
        return self._cells.get(id(facts)) or _CellInfo()

    @cached_property
    def _defs(self) -> dict[int, _CellDefs]:
        return {id(f): _cell_defs(f.tree) for f in self.nb.cells if f.tree is not None}

    def function_of(self, facts: CellFacts, line: int) -> str | None:
        defs = self._defs.get(id(facts))
        for start, end, name in defs.functions if defs is not None else ():
            if start <= line <= end:
                return name
        return None

    @cached_property
    def sites(self) -> list[Site]:
        """Every call with a dotted callee or a method, in document order."""
        found: list[Site] = []
        for facts in self.nb.cells:
            for call in facts.calls:
                node = call.node
                found.append(
                    Site(
                        facts,
                        node,
                        self.qualify(call.dotted),
                        self.order(facts, node),
                        self.function_of(facts, node.lineno),
                    )
                )
        return found

    # -- models ----------------------------------------------------------------------------

    @cached_property
    def model_classes(self) -> frozenset[str]:
        """Classes defined in the notebook that derive from a Keras/PyTorch/Lightning model."""
        found: set[str] = set()
        classes = [c for defs in self._defs.values() for c in defs.classes]
        changed = True
        while changed:  # a subclass of a notebook model class is a model too
            changed = False
            for cls in classes:
                if cls.name in found:
                    continue
                for base in cls.bases:
                    dotted = dotted_name(base)
                    qualified = self.qualify(dotted)
                    if (qualified is not None and qualified in MODEL_BASES) or dotted in found:
                        found.add(cls.name)
                        changed = True
                        break
        return frozenset(found)

    @cached_property
    def _assigned_names(self) -> dict[int, str]:
        """id(call) -> the single name a call's result is bound to."""
        found: dict[int, str] = {}
        for info in self._cells.values():
            for name, _, value in info.assigns:
                if isinstance(value, ast.Call):
                    found[id(value)] = name
        return found

    def bound_name(self, call: ast.Call) -> str | None:
        """The single name a call's result is bound to (`model = X.from_pretrained(...)`)."""
        return self._assigned_names.get(id(call))

    @cached_property
    def trained_names(self) -> frozenset[str]:
        """Names that reach training: the receiver and arguments of training calls, the
        arguments of training drivers (`Trainer(model=model, ...)`)."""
        found: set[str] = set()
        nodes: list[ast.Call] = [t.site.node for t in self.trainings]
        nodes += [c.site.node for c in self.constructions if c.kind == "trainer"]
        for call in nodes:
            parts = [call.func, *call.args, *(k.value for k in call.keywords)]
            found.update(self.reads(parts))
        return frozenset(found)

    @cached_property
    def constructions(self) -> list[Construction]:
        found: list[Construction] = []
        for site in self.sites:
            built = self._construction(site)
            if built is not None:
                found.append(built)
        if found:  # the statement walk is needed only now
            names = self._assigned_names
            found = [replace(c, name=names.get(id(c.site.node))) for c in found]
        return found

    @cached_property
    def _constructions_by_node(self) -> dict[int, Construction]:
        return {id(c.site.node): c for c in self.constructions}

    def _construction(self, site: Site) -> Construction | None:
        qualified = site.qualified
        kind = classify(qualified) if qualified is not None else None
        if qualified is None or kind is None:
            dotted = dotted_name(site.node.func)
            if dotted is None or dotted not in self.model_classes:
                return None
            qualified, kind = dotted, "model"
        if qualified in SEQUENTIAL and self._single_dense(site.node):
            kind = "baseline"  # one Dense layer: a linear or logistic regression
        elif (qualified == "torch.nn.Sequential" and self._linear_layers(site.node.args)) or (
            qualified in self.linear_classes
        ):
            kind = "baseline"  # stacked nn.Linear without an activation: a linear model
        inner: frozenset[str] = frozenset()
        if kind == "meta":
            inner = frozenset(self._inner_kinds(site))
            if qualified.rpartition(".")[2] in COMPOSITES and not inner & MODEL_KINDS:
                kind = "preprocessor" if "preprocessor" in inner else "encoder"
        return Construction(site, kind, qualified, None, inner)

    @cached_property
    def linear_classes(self) -> frozenset[str]:
        """Notebook `nn.Module`s that are linear models: `nn.Linear` layers and
        `nn.Parameter`s, and no other torch call (no activation, no other layer); and
        `keras.Model`s whose `call` is affine: `Dense` layers (one, or several without
        activation) or `tf.matmul` with weights."""
        found: set[str] = set()
        for defs in self._defs.values():
            for cls in defs.classes:
                if cls.name not in self.model_classes:
                    continue
                calls = [n for n in ast.walk(cls) if isinstance(n, ast.Call)]
                qualified = [(self.qualify(dotted_name(c.func)), c) for c in calls]
                torch = [q for q, _ in qualified if q is not None and q.startswith("torch")]
                keras = [
                    (q, c)
                    for q, c in qualified
                    if q is not None and q.startswith(("keras.", "tensorflow"))
                ]
                if torch and all(q in LINEAR_TORCH for q in torch):
                    found.add(cls.name)
                elif keras and not torch and self._affine_keras(keras):
                    found.add(cls.name)
        return frozenset(found)

    @staticmethod
    def _affine_keras(calls: list[tuple[str, ast.Call]]) -> bool:
        dense = [c for q, c in calls if q == "keras.layers.Dense"]
        if not all(q in LINEAR_KERAS or _plumbing(q) or q in MODEL_BASES for q, _ in calls):
            return False
        if len(dense) == 1:  # a linear or logistic regression
            return _activation(dense[0]) in (None, "linear", "sigmoid", "softmax")
        return all(_activation(c) in (None, "linear") for c in dense)

    def _linear_layers(self, layers: list[ast.expr]) -> bool:
        return bool(layers) and all(
            isinstance(layer, ast.Call)
            and self.qualify(dotted_name(layer.func)) == "torch.nn.Linear"
            for layer in layers
        )

    def _single_dense(self, call: ast.Call) -> bool:
        """One `Dense` layer after input plumbing (`Input`, `Normalization`, `Flatten`):
        a linear or logistic regression."""
        layers = call.args[0] if call.args else None
        if not isinstance(layers, (ast.List, ast.Tuple)):
            return False
        dense = 0
        for layer in layers.elts:
            qualified = (
                self.qualify(dotted_name(layer.func)) if isinstance(layer, ast.Call) else None
            )
            if qualified is None or not qualified.startswith("keras."):
                return False
            if qualified.endswith(".Dense"):
                dense += 1
            elif not _plumbing(qualified):
                return False
        return dense == 1

    def _inner_kinds(self, site: Site) -> Iterator[ModelKind]:
        for arg in [*site.node.args, *(k.value for k in site.node.keywords)]:
            for node in ast.walk(arg):
                if isinstance(node, ast.Call):
                    qualified = self.qualify(dotted_name(node.func))
                    kind = classify(qualified) if qualified is not None else None
                    if kind is None and dotted_name(node.func) in self.model_classes:
                        kind = "model"
                    if kind is not None:
                        yield kind

    @cached_property
    def _factories(self) -> dict[str, Construction]:
        """Top-level notebook functions that build a model: name -> the model they build."""
        found: dict[str, Construction] = {}
        for built in self.constructions:
            if built.site.function is not None and built.kind in MODEL_KINDS:
                found[built.site.function] = built
        return found

    @cached_property
    def _bindings(self) -> dict[str, list[tuple[Order, ast.expr | None]]]:
        found: dict[str, list[tuple[Order, ast.expr | None]]] = {}
        for facts in self.nb.cells:
            for name, order, value in self._info(facts).assigns:
                found.setdefault(name, []).append((order, value))
        for entries in found.values():
            entries.sort(key=lambda e: e[0])
        return found

    def resolve(self, node: ast.expr, order: Order) -> Construction | None:
        """The estimator an expression holds: an inline construction, or the construction
        (or model-building notebook function call) last bound to the name before ``order``."""
        if isinstance(node, ast.Name):
            entries = self._bindings.get(node.id)
            if not entries:
                return None
            before = [value for at, value in entries if at <= order]
            value = before[-1] if before else entries[0][1]
            return self.resolve(value, order) if isinstance(value, ast.Call) else None
        if isinstance(node, ast.Call):
            built = self._constructions_by_node.get(id(node))
            if built is not None:
                return built
            if isinstance(node.func, ast.Name):
                return self._factories.get(node.func.id)
        return None

    # -- training ----------------------------------------------------------------------------

    @cached_property
    def _compiled(self) -> frozenset[str]:
        """Names `.compile(...)`d like a Keras model."""
        return frozenset(
            s.node.func.value.id
            for s in self.sites
            if isinstance(s.node.func, ast.Attribute)
            and s.node.func.attr == "compile"
            and isinstance(s.node.func.value, ast.Name)
            and s.node.func.value.id not in self.nb.imports
        )

    @cached_property
    def trainings(self) -> list[Training]:
        """Training call sites in document order."""
        found: list[Training] = []
        stepping = {id(f) for f in self.nb.cells if _has_gradient_steps(f)}
        for site in self.sites:
            training = self._training(site, id(site.facts) in stepping)
            if training is not None:
                found.append(training)
        return found

    @cached_property
    def training_functions(self) -> frozenset[str]:
        """Top-level notebook functions whose bodies train a model, or call one that does
        (`train()` calling `train_step()`)."""
        found = {t.site.function for t in self.trainings if t.site.function is not None}
        frontier = set(found)
        while frontier:
            callers = {
                site.function
                for name in frontier
                for site in self._sites_by_callee.get(name, ())
                if site.function is not None
            }
            frontier = callers - found
            found |= frontier
        return frozenset(found)

    def trains(self, call: ast.Call) -> bool:
        """Whether a call trains a model: a training call, or a call of a notebook function
        that trains one."""
        if id(call) in self._trainings_by_node:
            return True
        return isinstance(call.func, ast.Name) and call.func.id in self.training_functions

    @cached_property
    def training_runs(self) -> list[Order]:
        """Where training runs, in document order: module-level training calls and calls
        of notebook functions that train."""
        runs = [s for s in self.sites if self.trains(s.node)]
        functions = self.training_functions
        runs += [  # a training function handed to a launcher: `notebook_launcher(train)`
            s for name in functions for s in self._sites_by_argument.get(name, ())
        ]
        return sorted(s.order for s in runs if self.owner_of(s.facts, s.node.lineno) is None)

    @cached_property
    def training_loops(self) -> dict[int, list[tuple[int, int]]]:
        """Line ranges of the module-level loops that take gradient steps (`for batch in
        loader: ... loss.backward()`), by id of the cell: what is drawn in them feeds the
        step through the forward pass, which calls with arguments do not show."""
        found: dict[int, list[tuple[int, int]]] = {}
        if not self.trainings:
            return found
        for facts in self.nb.cells:
            if facts.tree is None:
                continue
            loops = [
                s for s in facts.tree.body if isinstance(s, (ast.For, ast.AsyncFor, ast.While))
            ]
            if not loops:
                continue
            lines = [
                t.site.node.lineno
                for t in self.trainings
                if t.site.facts is facts
                and t.api in ("backward", "apply_gradients")
                and self.owner_of(facts, t.site.node.lineno) is None
            ]
            for loop in loops:
                end = loop.end_lineno or loop.lineno
                if any(loop.lineno <= line <= end for line in lines):
                    found.setdefault(id(facts), []).append((loop.lineno, end))
        return found

    @cached_property
    def _trainings_by_node(self) -> dict[int, Training]:
        return {id(t.site.node): t for t in self.trainings}

    def training_at(self, node: ast.Call) -> Training | None:
        return self._trainings_by_node.get(id(node))

    def _training(self, site: Site, stepping: bool) -> Training | None:
        func = site.node.func
        if site.qualified in FUNCTION_TRAINERS:
            return Training(site, FUNCTION_TRAINERS[site.qualified], None, False)
        if not isinstance(func, ast.Attribute) or site.qualified is not None:
            return None  # a module function (`re.compile`, `stats.norm.fit`) is no model
        attr = func.attr
        if (attr == "backward" and stepping) or (
            attr == "apply_gradients" and _updates_weights(site.node)
        ):
            return Training(site, attr, None, True)
        if attr not in ("fit", "fit_generator", "train_on_batch", "partial_fit", "train", "run"):
            return None
        model = self.resolve(func.value, site.order)
        if attr == "run" or (model is not None and model.kind == "trainer"):
            trainer = model is not None and model.kind == "trainer"
            if trainer and attr in TRAINER_TRAIN_METHODS:  # Trainer(...).train(), Ignite's run
                return Training(site, attr, model, True)
            if attr == "run" or trainer:
                return None
        keywords = {k.arg for k in site.node.keywords}
        compiled = isinstance(func.value, ast.Name) and func.value.id in self._compiled
        keras = compiled or bool(keywords & KERAS_FIT_KEYWORDS)
        neural = keras or (model is not None and _is_neural(model))
        if attr == "train":
            estimator = model is not None and model.qualified.startswith("tensorflow")
            if (
                (model is not None and model.kind == "trainer")
                or estimator
                or "input_fn" in keywords
            ):
                return Training(site, attr, model, neural)
            return None  # `model.train()` switches a PyTorch module to training mode
        if attr in ("fit_generator", "train_on_batch"):
            return Training(site, attr, model, True)
        if model is not None:
            return Training(site, attr, model, neural) if model.kind in MODEL_KINDS else None
        supervised = len(site.node.args) >= 2 or "y" in keywords
        return Training(site, attr, None, neural) if supervised or keras else None

    def labelled(self, node: ast.expr, order: Order, depth: int = 4) -> bool:
        """Whether an expression holds a dataset of `(inputs, targets)`: a labelled
        dataset or image-generator flow, through names and `.batch()`-like methods."""
        if depth == 0:
            return False
        if isinstance(node, ast.Name):
            entries = self._bindings.get(node.id, [])
            before = [value for at, value in entries if at <= order]
            value = before[-1] if before else None
            return value is not None and self.labelled(value, order, depth - 1)
        if not isinstance(node, ast.Call):
            return False
        qualified = self.qualify(dotted_name(node.func))
        if qualified in LABELLED_DATASETS:
            if qualified.endswith("from_directory"):  # unless `labels=None`
                return not any(
                    k.arg in ("labels", "label_mode") and is_constant(k.value, None)
                    for k in node.keywords
                )
            return len(_positional(node)) >= 2 or any(
                k.arg == "targets" and not is_constant(k.value, None) for k in node.keywords
            )
        if qualified in PAIRED_DATASETS:
            first = node.args[0] if node.args else None
            return isinstance(first, (ast.Tuple, ast.List)) and len(first.elts) >= 2
        if qualified == "tensorflow_datasets.load":
            return any(
                k.arg == "as_supervised" and is_constant(k.value, True) for k in node.keywords
            )
        method = _method(node)
        if qualified is not None or method is None:
            return False
        if method in LABELLED_FLOWS:
            return not any(
                k.arg == "class_mode"
                and (is_constant(k.value, None) or is_constant(k.value, "input"))
                for k in node.keywords
            )
        if method == "flow":
            return len(node.args) >= 2 or any(k.arg == "y" for k in node.keywords)
        if method in DATASET_PIPELINE_METHODS:
            assert isinstance(node.func, ast.Attribute)
            return self.labelled(node.func.value, order, depth)
        return False

    # -- evaluation, tracking, seeds -------------------------------------------------------

    @cached_property
    def evaluations(self) -> list[Evaluation]:
        found: list[Evaluation] = []
        for site in self.sites:
            api = self._evaluation(site)
            if api is not None:
                found.append(Evaluation(site, api))
        for training in self.trainings:
            for keyword in training.site.node.keywords:
                if keyword.arg in HELD_OUT_KEYWORDS and not is_constant(keyword.value, None):
                    found.append(Evaluation(training.site, keyword.arg, standalone=False))
            driver = training.model is not None and training.model.kind == "trainer"
            if driver and training.api == "fit" and len(training.site.node.args) >= 3:
                # Lightning: `trainer.fit(module, train_loader, val_loader)`
                found.append(Evaluation(training.site, "val_dataloaders", standalone=False))
        for built in self.constructions:
            if built.label.endswith("SearchCV") or (
                built.kind == "trainer"
                and any(k.arg == "eval_dataset" for k in built.site.node.keywords)
            ):
                found.append(Evaluation(built.site, built.label, standalone=False))
        found.sort(key=lambda e: e.site.order)
        return found

    def _evaluation(self, site: Site) -> str | None:
        qualified = site.qualified
        if qualified is not None:
            if (
                qualified.startswith(METRIC_PREFIXES)
                or qualified in METRIC_CALLS
                or qualified in CROSS_VALIDATION
            ):
                return qualified
            return None
        func = site.node.func
        if not isinstance(func, ast.Attribute):
            return None
        node = site.node
        if func.attr in ("score", "evaluate", "evaluate_generator") and (
            node.args or node.keywords
        ):
            return func.attr
        if func.attr in TRAINER_EVAL_METHODS:  # trainer.evaluate(), Lightning's trainer.test()
            model = self.resolve(func.value, site.order)
            return func.attr if model is not None and model.kind == "trainer" else None
        if func.attr == "eval" and not node.args and not node.keywords:
            return "eval"  # PyTorch: `model.eval()` before scoring
        return None

    @cached_property
    def tracker_uses(self) -> list[TrackerUse]:
        """Imports (qualified), TensorBoard callbacks and magics: the rule filters them
        by the configured tracking modules."""
        found: list[TrackerUse] = []
        for facts in self.nb.cells:
            for qualified in facts.imports.values():
                found.append(TrackerUse(facts, qualified, 1))
            for magic in facts.magics:
                if magic.name == "tensorboard" or (
                    magic.name == "load_ext" and "tensorboard" in magic.args
                ):
                    found.append(TrackerUse(facts, "tensorboard", magic.line))
        accelerate = any(q.startswith("accelerate") for q in self.nb.imports.values())
        for site in self.sites:
            call, line = site.qualified, site.node.lineno
            if call in TENSORBOARD_APIS:
                found.append(TrackerUse(site.facts, "tensorboard", line))
            elif call in TRACKING_CALLS:
                named = TRACKING_CALLS[call]
                trackers = [named] if named is not None else _named_trackers(site.node)
                found.extend(TrackerUse(site.facts, t, line) for t in trackers)
            elif call in LOGGING_TRAINERS and not any(
                k.arg == "logger" and is_constant(k.value, False) for k in site.node.keywords
            ):
                found.append(TrackerUse(site.facts, "lightning-logs", line))
            elif accelerate and call is None and _method(site.node) == "init_trackers":
                found.append(TrackerUse(site.facts, "accelerate-trackers", line))
        return found

    @cached_property
    def seeds(self) -> list[Seed]:
        """Seed calls where they take effect: at module level where they are written; in
        a function or class body, for what that body does after it and where that
        function or class is called or handed to a caller (`notebook_launcher(train)`):
        a `def` that seeds and is never used seeds nothing."""
        found: list[Seed] = []
        for site in self.sites:
            if site.qualified not in SEEDS:
                continue
            libraries = SEEDS[site.qualified]
            owner = self.owner_of(site.facts, site.node.lineno)
            if owner is None:
                found.append(Seed(site, libraries))
            else:
                found.append(Seed(site, libraries, scope=owner))
                found.extend(Seed(call, libraries) for call in self._calls_of(owner, 3))
        found.sort(key=lambda seed: seed.site.order)
        return found

    def owner_of(self, facts: CellFacts, line: int) -> str | None:
        """The top-level function or class whose body holds ``line``."""
        function = self.function_of(facts, line)
        if function is not None:
            return function
        defs = self._defs.get(id(facts))
        for cls in defs.classes if defs is not None else ():
            if cls.lineno <= line <= (cls.end_lineno or cls.lineno):
                return cls.name
        return None

    def _calls_of(self, name: str, depth: int) -> list[Site]:
        """Module-level calls of a notebook function or class, through up to ``depth``
        functions that call it."""
        found: list[Site] = []
        uses = [*self._sites_by_callee.get(name, ()), *self._sites_by_argument.get(name, ())]
        for site in uses:
            owner = self.owner_of(site.facts, site.node.lineno)
            if owner is None:
                found.append(site)
            elif depth > 1 and owner != name:
                found.extend(self._calls_of(owner, depth - 1))
        return found

    @cached_property
    def _sites_by_callee(self) -> dict[str, list[Site]]:
        found: dict[str, list[Site]] = {}
        for site in self.sites:
            if isinstance(site.node.func, ast.Name):
                found.setdefault(site.node.func.id, []).append(site)
        return found

    @cached_property
    def _sites_by_argument(self) -> dict[str, list[Site]]:
        """Calls that are handed a name as an argument (`notebook_launcher(train)`)."""
        found: dict[str, list[Site]] = {}
        for site in self.sites:
            for arg in [*site.node.args, *(k.value for k in site.node.keywords)]:
                if isinstance(arg, ast.Name):
                    found.setdefault(arg.id, []).append(site)
        return found

    def seeded_before(self, library: str, order: Order, scope: str | None = None) -> bool:
        """Whether a call seeding ``library``'s global generator takes effect before
        ``order``: a module-level one, or one earlier in the body of ``scope`` (the
        function or class that holds the code at ``order``)."""
        return any(
            library in seed.libraries
            and seed.site.order < order
            and (seed.scope is None or seed.scope == scope)
            for seed in self.seeds
        )

    def seeded_at(self, library: str, site: Site) -> bool:
        """Whether ``library``'s generator is seeded when the call at ``site`` runs."""
        return self.seeded_before(library, site.order, self.owner_of(site.facts, site.node.lineno))

    def seeded_in_training(self, library: str) -> bool:
        """Whether a function that trains seeds ``library``'s generator (its training
        runs after the seed: `def train(): set_seed(0); ...`)."""
        return any(
            library in seed.libraries and seed.scope in self.training_functions
            for seed in self.seeds
        )

    # -- module-level data flow ---------------------------------------------------------------

    @cached_property
    def steps(self) -> list[Step]:
        """Module-level statements of every cell, in document order."""
        return [step for f in self.nb.cells for step in self._info(f).steps]

    def scan(self, node: ast.expr) -> Scan:
        """Names read and calls made by an expression (cached)."""
        found = self._scans.get(id(node))
        if found is None:
            reads: dict[str, None] = {}
            calls: list[ast.Call] = []
            # breadth first as ast.walk, without its three generators per node (the data
            # flow rules scan every module-level expression)
            queue: list[ast.AST] = [node]
            for sub in queue:  # grows as it is read
                if isinstance(sub, ast.Name):
                    if isinstance(sub.ctx, ast.Load):
                        reads.setdefault(sub.id)
                    continue
                if isinstance(sub, ast.Call):
                    calls.append(sub)
                for name in sub._fields:
                    value = getattr(sub, name, None)
                    if isinstance(value, list):
                        queue.extend(v for v in value if isinstance(v, ast.AST))
                    elif isinstance(value, ast.AST):
                        queue.append(value)
            found = self._scans[id(node)] = Scan(tuple(reads), tuple(calls))
        return found

    def step_calls(self, step: Step) -> Iterator[ast.Call]:
        for expr in step.exprs:
            yield from self.scan(expr).calls

    def reads(self, nodes: list[ast.expr]) -> list[str]:
        return [name for node in nodes for name in self.scan(node).reads]

    def propagate(
        self,
        state: dict[str, T],
        step: Step,
        source: Callable[[Bind], T | None] = lambda bind: None,
        merge: Callable[[list[T]], T | None] = lambda found: found[0],
    ) -> None:
        """Apply a step's bindings to ``state`` (name -> what its value derives from): a
        bound name takes ``source(bind)``, else the merge of what its value reads; a plain
        rebinding to anything else forgets the name, a partial one (`df["c"] = ...`) keeps
        what it had."""
        for bind in step.binds:
            origin = source(bind)
            if origin is None and bind.value is not None:
                inherited = [state[n] for n in self.scan(bind.value).reads if n in state]
                origin = merge(inherited) if inherited else None
            if origin is not None and not bind.rebinds and bind.name in state:
                origin = merge([state[bind.name], origin])
            if origin is not None:
                state[bind.name] = origin
            elif bind.rebinds:
                state.pop(bind.name, None)

    @cached_property
    def _split_index(
        self,
    ) -> tuple[dict[int, list[Split]], dict[int, dict[str, tuple[Role, Split]]]]:
        """For each step (by id): the splits it makes, and the roles of the names it binds
        by splitting."""
        at: dict[int, list[Split]] = {}
        roles: dict[int, dict[str, tuple[Role, Split]]] = {}

        def record(step: Step, names: tuple[str, ...], role: Role, split: Split) -> None:
            roles.setdefault(id(step), {}).update({n: (role, split) for n in names})

        splitters = any(c.kind == "splitter" for c in self.constructions)
        candidates = {
            id(f) for f in self.nb.cells if any(self._may_split(c, splitters) for c in f.calls)
        }
        for step in self.steps:
            if id(step.facts) not in candidates:
                continue
            for split in self._call_splits(step):
                at.setdefault(id(step), []).append(split)
                record(step, split.train, "train", split)
                record(step, split.held_out, "held-out", split)
        for train_step, held_step, split in self._slice_splits():
            at.setdefault(id(held_step), []).append(split)
            record(train_step, split.train, "train", split)
            record(held_step, split.held_out, "held-out", split)
        return at, roles

    @cached_property
    def splits(self) -> list[Split]:
        """Data divided into training and held-out parts (or cross-validated), in document order."""
        return sorted(
            (s for found in self._split_index[0].values() for s in found), key=lambda s: s.order
        )

    def splits_at(self, step: Step) -> list[Split]:
        return self._split_index[0].get(id(step), [])

    def _may_split(self, call: CallRef, splitters: bool) -> bool:
        if call.attr == "split":
            return splitters  # `line.split(",")` is everywhere
        qualified = self.qualify(call.dotted)
        return qualified is not None and (
            qualified in CROSS_VALIDATION
            or qualified.endswith((".train_test_split", ".random_split", ".load_data"))
        )

    def _call_splits(self, step: Step) -> Iterator[Split]:
        value = step.binds[0].value if step.binds else None
        facts = step.facts
        for call in self.step_calls(step):
            qualified = self.qualify(dotted_name(call.func))
            order = self.order(facts, call)
            if qualified in CROSS_VALIDATION:
                data = call.args[1:2] or [k.value for k in call.keywords if k.arg == "X"]
                yield Split(
                    facts,
                    call,
                    order,
                    qualified.rpartition(".")[2],
                    (),
                    (),
                    tuple(self.reads(data)),
                )
                continue
            if call is not value:
                continue  # a split binds names only when it is the whole value
            roles = _split_roles(qualified, call, self, order)
            if roles is None:
                continue
            api, role_of = roles
            positioned = [b for b in step.binds if b.position is not None]
            train = tuple(b.name for b in positioned if role_of(b.position or 0) == "train")
            held = tuple(b.name for b in positioned if role_of(b.position or 0) == "held-out")
            if held:
                yield Split(
                    facts, call, order, api, train, held, tuple(self.reads(_positional(call)))
                )

    def _slice_splits(self) -> Iterator[tuple[Step, Step, Split]]:
        """`train = data[:n]` with `test = data[n:]`, both names telling their role."""
        parts: dict[tuple[str, str, bool], tuple[Step, Bind, ast.Subscript]] = {}
        for step in self.steps:
            for bind in step.binds:
                value = bind.value
                if not (
                    bind.rebinds
                    and isinstance(value, ast.Subscript)
                    and isinstance(value.slice, ast.Slice)
                ):
                    continue
                cut = value.slice
                bound = cut.upper if cut.lower is None else cut.lower if cut.upper is None else None
                if bound is None or cut.step is not None:
                    continue
                head = cut.upper is not None
                key = (ast.dump(value.value), ast.dump(bound))
                other = parts.get((*key, not head))
                if other is None:
                    parts[(*key, head)] = (step, bind, value)
                    continue
                mine, theirs = _role_by_name(bind.name), _role_by_name(other[1].name)
                if {mine, theirs} != {"train", "held-out"}:
                    continue
                held_step, held_bind, held_node = (
                    (step, bind, value) if mine == "held-out" else other
                )
                train_step, train_bind = (step, bind) if mine == "train" else other[:2]
                split = Split(
                    held_step.facts,
                    held_node,
                    self.order(held_step.facts, held_node),
                    "slice",
                    (train_bind.name,),
                    (held_bind.name,),
                    self.scan(value.value).reads,
                )
                yield train_step, held_step, split

    def walk_roles(self) -> Iterator[tuple[Step, dict[str, tuple[Role, Split]]]]:
        """Module-level steps with the split role of every name just before each step:
        split outputs and what derives from only one side of a split."""
        state: dict[str, tuple[Role, Split]] = {}
        by_step = self._split_index[1]
        for step in self.steps:
            yield step, state
            roles = by_step.get(id(step), {})
            self.propagate(state, step, lambda b: roles.get(b.name), _same_role)

    # -- data loads ------------------------------------------------------------------------------

    @cached_property
    def loads(self) -> list[DataLoad]:
        """Data files read into names: pandas/polars/NumPy/... readers, directly or through
        a notebook function that returns what it reads."""
        reads = [
            a for a in self.nb.file_accesses if a.mode == "read" and a.api.startswith(DATA_READERS)
        ]
        if not reads:
            return []
        loaders: dict[str, FileAccess] = {}
        direct: dict[int, FileAccess] = {}
        for access in reads:
            function = self.function_of(access.facts, access.call.lineno)
            if function is not None:
                loaders.setdefault(function, access)
            else:
                direct[id(access.call)] = access
        found: list[DataLoad] = []
        for step in self.steps:
            for bind in step.binds:
                if bind.value is None:
                    continue
                for call in self.scan(bind.value).calls:
                    hit = direct.get(id(call))
                    if hit is None and isinstance(call.func, ast.Name):
                        hit = loaders.get(call.func.id)
                    if hit is not None:
                        found.append(DataLoad(hit, step.order, (bind.name,)))
                        break
        return found


def _same_role(found: list[tuple[Role, Split]]) -> tuple[Role, Split] | None:
    """A value derived from one side of a split has its role; from both sides, none."""
    return found[0] if all(role == found[0][0] for role, _ in found) else None


_HELD_OUT_WORDS = frozenset({"test", "val", "valid", "validation", "holdout", "eval", "dev"})
_TRAIN_WORDS = frozenset({"train", "training"})


def _role_by_name(name: str) -> Role | None:
    """`x_val`, `testX` are held out, `partial_x_train` is training data; others unknown."""
    words = {w.lower() for w in re.findall(r"[a-z]+|[A-Z][a-z]*", name)}
    if words & _HELD_OUT_WORDS:
        return None if words & _TRAIN_WORDS else "held-out"
    return "train" if words & _TRAIN_WORDS else None


def _split_roles(
    qualified: str | None, call: ast.Call, ml: MLFacts, order: Order
) -> tuple[str, Callable[[int], Role]] | None:
    """How a call that divides data assigns roles to the positions of its result."""
    if qualified in (
        "sklearn.model_selection.train_test_split",
        "sklearn.cross_validation.train_test_split",
    ):
        return "train_test_split", lambda i: "train" if i % 2 == 0 else "held-out"
    if qualified == "torch.utils.data.random_split":
        return "random_split", lambda i: "train" if i == 0 else "held-out"
    if (
        qualified is not None
        and qualified.startswith("keras.datasets.")
        and qualified.endswith(".load_data")
    ):
        return "load_data", lambda i: "train" if i == 0 else "held-out"
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "split" and qualified is None:
        splitter = ml.resolve(func.value, order)
        if splitter is not None and splitter.kind == "splitter":
            return "split", lambda i: "train" if i == 0 else "held-out"
    return None


def _is_neural(model: Construction) -> bool:
    if model.kind == "trainer":
        return True
    q = model.qualified
    return q.startswith(("keras.", "torch", "tensorflow")) or "." not in q  # notebook nn classes


def _plumbing(qualified: str) -> bool:
    """A Keras layer that feeds data in without learning a non-linear function."""
    return qualified.startswith("keras.") and qualified.rpartition(".")[2] in KERAS_PLUMBING


def _activation(dense: ast.Call) -> str | None:
    """The activation a `Dense(...)` call names: None when it has none, "?" when it is
    not a string the analysis can read."""
    activation = next((k.value for k in dense.keywords if k.arg == "activation"), None)
    if activation is None and len(dense.args) >= 2:
        activation = dense.args[1]
    if activation is None or is_constant(activation, None):
        return None
    if isinstance(activation, ast.Constant) and isinstance(activation.value, str):
        return activation.value
    return "?"


def _method(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _named_trackers(call: ast.Call) -> list[str]:
    """The trackers a `log_with=` / `report_to=` keyword names: each string but "none";
    "configured" when they come from a variable."""
    found: list[str] = []
    for keyword in call.keywords:
        if keyword.arg not in TRACKER_KEYWORDS or is_constant(keyword.value, None):
            continue
        value = keyword.value
        items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
        for item in items:
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                if item.value.lower() != "none":
                    found.append(item.value)
            elif not isinstance(item, ast.Constant):
                found.append("configured")
    return found


def _positional(call: ast.Call) -> list[ast.expr]:
    return [a.value if isinstance(a, ast.Starred) else a for a in call.args]


def _has_gradient_steps(facts: CellFacts) -> bool:
    """`loss.backward()` with an argument-less `optimizer.step()`: PyTorch training."""
    backward = step = False
    for call in facts.calls:
        if call.attr == "backward":
            backward = True
        elif call.attr == "step" and (
            not (call.node.args or call.node.keywords)
            or "scaler" in (dotted_name(call.node.func) or "").lower()  # scaler.step(opt)
        ):
            step = True
    return backward and step


def _updates_weights(call: ast.Call) -> bool:
    """`apply_gradients(zip(grads, model.trainable_weights))` trains a model; gradients
    applied to an image (style transfer, DeepDream) do not."""
    return any(
        isinstance(node, ast.Attribute)
        and node.attr in ("trainable_weights", "trainable_variables")
        for arg in [*call.args, *(k.value for k in call.keywords)]
        for node in ast.walk(arg)
    )


# -- the statement walk ------------------------------------------------------------------------


def _cell_defs(tree: ast.Module) -> _CellDefs:
    defs = _CellDefs()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            end = stmt.end_lineno if stmt.end_lineno is not None else stmt.lineno
            start = min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)])
            defs.functions.append((start, end, stmt.name))
        elif isinstance(stmt, ast.ClassDef):
            defs.classes.append(stmt)
    return defs


def _walk_cell(ml: MLFacts, facts: CellFacts) -> _CellInfo:
    info = _CellInfo()
    assert facts.tree is not None
    _statements(ml, facts, facts.tree.body, info, module=True)
    return info


def _statements(
    ml: MLFacts, facts: CellFacts, body: list[ast.stmt], info: _CellInfo, module: bool
) -> None:
    for stmt in body:
        order = ml.order(facts, stmt)
        exprs: tuple[ast.expr, ...] = ()
        binds: list[Bind] = []
        nested: list[list[ast.stmt]] = []
        if isinstance(stmt, ast.Assign):
            exprs = (stmt.value,)
            for target in stmt.targets:
                binds.extend(_binds(target, stmt.value))
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            exprs = (stmt.value,)
            binds.extend(_binds(stmt.target, stmt.value))
        elif isinstance(stmt, ast.AugAssign):
            exprs = (stmt.value,)
            base = _base_name(stmt.target)
            if base is not None:
                binds.append(Bind(base, stmt.value, rebinds=False))
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            exprs = (stmt.iter,)
            binds.extend(_binds(stmt.target, stmt.iter))
            nested = [stmt.body, stmt.orelse]
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            exprs = tuple(item.context_expr for item in stmt.items)
            for item in stmt.items:
                if item.optional_vars is not None:
                    binds.extend(_binds(item.optional_vars, item.context_expr))
            nested = [stmt.body]
        elif isinstance(stmt, (ast.If, ast.While)):
            exprs = (stmt.test,)
            nested = [stmt.body, stmt.orelse]
        elif isinstance(stmt, (ast.Try, ast.TryStar)):
            nested = [stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody]
        elif isinstance(stmt, ast.Match):
            exprs = (stmt.subject,)
            nested = [case.body for case in stmt.cases]
        elif isinstance(stmt, (ast.Expr, ast.Return)) and stmt.value is not None:
            exprs = (stmt.value,)
        elif isinstance(stmt, ast.Assert):
            exprs = (stmt.test,) if stmt.msg is None else (stmt.test, stmt.msg)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds.append(Bind(stmt.name, None, rebinds=True))
            _statements(ml, facts, stmt.body, info, module=False)
        elif isinstance(stmt, ast.Delete):
            binds.extend(
                Bind(t.id, None, rebinds=True) for t in stmt.targets if isinstance(t, ast.Name)
            )
        for bind in binds:  # an element of an unpacked result is no known construction
            known = bind.rebinds and bind.position is None
            info.assigns.append((bind.name, order, bind.value if known else None))
        if module and (exprs or binds):
            info.steps.append(Step(facts, order, stmt, exprs, tuple(binds)))
        for block in nested:
            _statements(ml, facts, block, info, module)


def _binds(target: ast.expr, value: ast.expr, position: int | None = None) -> Iterator[Bind]:
    if isinstance(target, ast.Name):
        yield Bind(target.id, value, rebinds=True, position=position)
    elif isinstance(target, (ast.Tuple, ast.List)):
        pairwise = (
            isinstance(value, (ast.Tuple, ast.List))
            and len(value.elts) == len(target.elts)
            and not any(isinstance(e, ast.Starred) for e in [*value.elts, *target.elts])
        )
        for i, element in enumerate(target.elts):
            if pairwise:
                assert isinstance(value, (ast.Tuple, ast.List))
                yield from _binds(element, value.elts[i], None)
            elif isinstance(element, ast.Starred):
                yield from _binds(element.value, value, None)
            else:
                yield from _binds(element, value, i if position is None else position)
    elif isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        base = _base_name(target)
        if base is not None:
            yield Bind(base, value, rebinds=False)


def _base_name(target: ast.expr) -> str | None:
    while isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None
