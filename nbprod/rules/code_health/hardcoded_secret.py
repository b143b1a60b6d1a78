from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell


@dataclass(frozen=True)
class _Format:
    label: str
    shown: str  # the fixed, non-secret part shown in messages
    literals: tuple[str, ...]  # one of these occurs in every match: a cheap test first
    pattern: re.Pattern[str]


def _format(label: str, shown: str, literals: tuple[str, ...], pattern: str) -> _Format:
    return _Format(label, shown, literals, re.compile(pattern))


# Well-known credential formats, each distinctive enough to be reported wherever it appears.
_FORMATS = (
    _format("an AWS access key id", "AKIA", ("AKIA", "ASIA"), r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    _format(
        "a GitHub token",
        "ghp_",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    ),
    _format("a GitHub token", "github_pat_", ("github_pat_",), r"\bgithub_pat_[A-Za-z0-9_]{50,}"),
    _format("a Slack token", "xox", ("xox",), r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
    _format("a Google API key", "AIza", ("AIza",), r"\bAIza[0-9A-Za-z_-]{35}\b"),
    _format("a Stripe secret key", "sk_live_", ("k_live_",), r"\b[sr]k_live_[0-9A-Za-z]{24,}"),
    _format(
        "an OpenAI or Anthropic key", "sk-", ("sk-",), r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}"
    ),
    _format("a Hugging Face token", "hf_", ("hf_",), r"\bhf_[A-Za-z0-9]{34,}\b"),
    _format(
        "a private key",
        "-----BEGIN",
        ("PRIVATE KEY--",),
        r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----",
    ),
    _format(
        "a JSON Web Token",
        "eyJ",
        ("eyJ",),
        r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
    ),
    _format(
        "an Azure storage account key",
        "AccountKey=",
        ("AccountKey=",),
        r"AccountKey=[A-Za-z0-9+/]{40,}={0,2}",
    ),
)
_LITERALS = tuple(literal for f in _FORMATS for literal in f.literals)
_SHORTEST_FORMAT = 15  # `xox?-` and 10 characters

# Names (of variables, keys, keyword arguments, environment variables) holding a secret,
# judged on their last word(s): `client_secret`, `WANDB_API_KEY`, `accessToken`.
_SECRET_WORDS = frozenset({"password", "passwd", "passphrase", "secret", "apikey", "token"})
_KEY_QUALIFIERS = frozenset(
    {"api", "access", "secret", "private", "account", "subscription", "storage", "master",
     "auth", "client", "app", "service", "signing", "encryption"}
)  # fmt: skip
# `pad_token = "<pad>"`: tokenizer vocabulary, not credentials.
_VOCABULARY = frozenset(
    {"pad", "bos", "eos", "unk", "sep", "cls", "mask", "start", "end", "sos", "stop",
     "special", "begin", "oov", "split", "next", "prefix", "suffix", "first", "last"}
)  # fmt: skip
# Cheap tests on the lower-cased cell source before walking its tree for names.
_NAME_HINTS = ("passw", "passphrase", "secret", "apikey", "login", "auth")
_KEY_HINT = re.compile(
    r"(?:api|access|secret|private|account|subscription|storage|master|auth|client|app"
    r"|service|signing|encryption)[_-]?key"
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_PLACEHOLDER_WORDS = frozenset(
    {"your", "my", "xxx", "changeme", "placeholder", "example", "dummy", "sample", "insert",
     "enter", "replace", "here", "todo", "fixme", "redacted", "none", "null", "secret",
     "password", "token", "key", "apikey", "fake", "test", "demo", "foo", "bar"}
)  # fmt: skip
# `OPENAI_API_KEY`, `TOKEN`: the name of an environment variable (`AZOBAQ2SK8AC1MUD` is a key)
_PLACEHOLDER_PARTS = ("example", "xxxx", "placeholder", "changeme", "redacted", "dummy", "your")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]+")
_LOGIN_CALLS = frozenset({"login", "authenticate", "auth"})


class HardcodedSecret(Rule):
    """## What it does
    Flags credentials written into a notebook: strings in a well-known key format (AWS,
    GitHub, Slack, Google, Stripe, OpenAI, Hugging Face, private keys, JSON Web Tokens,
    Azure storage keys) in code or in stored outputs, and string literals assigned to a
    name, key, keyword argument or environment variable called like a secret
    (`api_key`, `password`, `client_secret`, `WANDB_API_KEY`, `os.environ["HF_TOKEN"]`).
    Placeholders (`"<your key>"`, `"YOUR_API_KEY"`, `"xxxxxxxx"`), values shorter than 8
    characters and values read from `os.environ`, `getpass` or `input` are not reported.
    The finding never shows the secret, only its kind and length.

    ## Why is this bad?
    A notebook is shared, committed and rendered on GitHub with its outputs; a key in it
    is public from then on, in every copy and in the Git history. Separate code from
    configuration: secrets belong in the environment or a secrets manager.

    ## Example
        WANDB_API_KEY = "3f9a1c0e7b2d4f6a8c1e5b7d9f0a2c4e6b8d0f1a"

    ## Use instead
    Read it from the environment (or `getpass.getpass()`), and revoke the exposed key.
        WANDB_API_KEY = os.environ["WANDB_API_KEY"]
    """

    code = "NBP404"
    name = "hardcoded-secret"
    area = ChecklistArea.CODE_HEALTH
    severity = Severity.ERROR
    checklist_item = "Separate code from configuration: no secrets in code"

    valid = [
        ["import os\napi_key = os.environ['OPENAI_API_KEY']"],
        ["from getpass import getpass\npassword = getpass()"],
        ['api_key = "<your-api-key>"', 'TOKEN = "YOUR_TOKEN_HERE"', 'secret = "xxxxxxxxxxxx"'],
        ['password = "changeme"', 'api_key = ""', 'token = "abc"'],
        ['subscription_id = "<my-subscription-id>"', 'key_vault_secret_name = "storage-key-2"'],
        ['tokenizer = Tok(pad_token="<pad>", eos_token="</s>1234567")', 'key = "species_2020"'],
        ['df = df.rename(columns={"token": "word_123", "password": "password_hash"})'],
        ['AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"'],  # AWS docs
        ['private_key_file = "./.ssh/id_rsa"', 'api_key_env = "OPENAI_API_KEY"'],
        ['web.DataReader("TSLA", api_key="your_alpha_vantage_api_key_goes_here")'],
        ['AWS_KEY = "AKIAIOSFODNN7EXAMPLE"'],  # AWS's documented example key
        [
            code_cell(
                "print(token)",
                outputs=[{"output_type": "stream", "name": "stdout", "text": "sk-...\n"}],
            )
        ],
    ]
    invalid = [
        Invalid(['WANDB_API_KEY = "3f9a1c0e7b2d4f6a8c1e5b7d9f0a2c4e6b8d0f1a"'], at=[(0, 1, 1)]),
        Invalid(['import os\nos.environ["HF_TOKEN"] = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"'], at=[(0, 2, 26)]),
        Invalid(['df = web.DataReader("TSLA", "av-daily", api_key="AZOBAQ2SK8AC1MUD")'], at=[(0, 1, 49)]),
        Invalid(['config = {"password": "hunter2hunter2"}'], at=[(0, 1, 11)]),
        Invalid(['client = OpenAI()\nclient.api_key = "sk-proj-4f9a1c0e7b2d4f6a8c1e5b7d9f0a2c4e6b8d"'], at=[(0, 2, 18)]),
        Invalid(['wandb.login(key="3f9a1c0e7b2d4f6a8c1e5b7d9f0a2c4e6b8d0f1a")'], at=[(0, 1, 17)]),
        Invalid(['def connect(user, pwd_token="a8c1e5b7d9f0a2c4e6"):\n    pass'], at=[(0, 1, 19)]),
        Invalid(['s3 = boto3.client("s3", aws_access_key_id="AKIAZ3MSJV4WWNKSHS4F")'], at=[(0, 1, 43)]),
        Invalid(["%env WANDB_API_KEY=3f9a1c0e7b2d4f6a8c1e5b7d9f0a2c4e6b8d0f1a"], at=[(0, 1, 1)]),
        Invalid(
            [code_cell("print(creds)", outputs=[{"output_type": "stream", "name": "stdout",
                                                 "text": "ghp_Z3MSJV4WWNKSHS4FAbCdEfGhIjKlMnOpQrSt\n"}])],
            at=[(0, 1, 1)],
        ),
    ]  # fmt: skip

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        for facts in nb.cells:
            reported: set[int] = set()  # ids of string nodes already reported
            long = [(v, n) for v, n in facts.strings if len(v) >= _SHORTEST_FORMAT]
            formats = bool(long) and _may_hold_format("\n".join(v for v, _ in long))
            for value, node in long if formats else ():
                found = _format_of(value)
                if found is not None:
                    reported.add(id(node))
                    yield self.at_node(
                        nb,
                        facts,
                        node,
                        f"{found} is hard-coded here: move it out of the notebook and revoke it",
                    )
            if (
                facts.tree is not None
                and any(_plausible(v) for v, _ in facts.strings)
                and _may_name_secret(facts.cell.source)
            ):
                for name, node, anchor, mapping in _named_values(facts.tree):
                    if id(node) not in reported and _looks_secret(name, node.value, mapping):
                        reported.add(id(node))
                        line, column, end_line, end_column = facts.position(anchor)
                        message = _message(name, node.value)
                        yield self.finding(
                            nb, facts.cell, message, line, column, end_line, end_column
                        )
            for magic in facts.magics:
                if magic.kind == "line" and magic.name in ("env", "set_env"):
                    name, _, value = magic.args.replace(" ", "=", 1).partition("=")
                    if _looks_secret(name, value.strip()) or _format_of(value):
                        yield self.finding(
                            nb, facts.cell, _message(name, value.strip()), magic.line, magic.column
                        )
            yield from self._outputs(nb, facts)

    def _outputs(self, nb: AnalyzedNotebook, facts: CellFacts) -> Iterator[Finding]:
        for output in facts.cell.outputs:
            text = _output_text(output)
            if text and _may_hold_format(text):
                found = _format_of(text)
                if found is not None:
                    yield self.finding(
                        nb,
                        facts.cell,
                        f"a stored output contains {found}: clear the output and revoke it",
                    )
                    return


def _format_of(text: str) -> str | None:
    """The well-known credential in ``text``, redacted: "a GitHub token (ghp_…, 40 chars)"."""
    for kind in _FORMATS:
        if not any(literal in text for literal in kind.literals):
            continue
        for match in kind.pattern.finditer(text):
            secret = match.group(0)
            if "EXAMPLE" not in secret.upper() and len(set(secret)) >= 8:
                return f"{kind.label} ({kind.shown}…, {len(secret)} chars)"
    return None


def _may_hold_format(text: str) -> bool:
    return any(literal in text for literal in _LITERALS)


def _may_name_secret(source: str) -> bool:
    lowered = source.lower()
    if any(hint in lowered for hint in _NAME_HINTS):
        return True
    if lowered.count("token") > lowered.count("tokeniz"):  # not only `tokenizer`
        return True
    return "key" in lowered and _KEY_HINT.search(lowered) is not None


def _output_text(output: dict[str, object]) -> str:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    else:
        data = output.get("data")
        text = data.get("text/plain", "") if isinstance(data, dict) else ""
    return "".join(text) if isinstance(text, list) else text if isinstance(text, str) else ""


def _named_values(
    tree: ast.Module,
) -> Iterator[tuple[str, ast.Constant, ast.expr | ast.arg, bool]]:
    """(name, string literal, node to point at, in a dict literal) for literals stored under
    a name. Dict literals are often column mappings (`{"password": "pwd_hash"}`)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_str(node.value):
            assert isinstance(node.value, ast.Constant)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = _target_name(target)
                if name is not None:
                    yield name, node.value, target, False
        elif isinstance(node, ast.Call):
            callee = _callee(node.func)
            for keyword in node.keywords:
                if keyword.arg is not None and isinstance(keyword.value, ast.Constant):
                    login = callee in _LOGIN_CALLS and keyword.arg == "key"
                    yield "api_key" if login else keyword.arg, keyword.value, keyword.value, False
            if callee in ("setdefault", "putenv") and len(node.args) == 2:
                key, value = node.args
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    if isinstance(value, ast.Constant):
                        yield key.value, value, node, False
        elif isinstance(node, ast.Dict):
            for entry, item in zip(node.keys, node.values):
                if isinstance(entry, ast.Constant) and isinstance(entry.value, str):
                    if isinstance(item, ast.Constant):
                        yield entry.value, item, entry, True
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            pairs = [*zip(positional[len(positional) - len(args.defaults) :], args.defaults)]
            pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
            for arg, default in pairs:
                if isinstance(default, ast.Constant):
                    yield arg.arg, default, arg, False


def _is_str(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _callee(func: ast.expr) -> str:
    return (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id if isinstance(func, ast.Name) else ""
    )


def _target_name(target: ast.expr) -> str | None:
    """`api_key`, `self.api_key`, `os.environ["API_KEY"]`, `config["password"]`."""
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        key = target.slice.value
        return key if isinstance(key, str) else None
    return None


def _secret_kind(name: str) -> str | None:
    """ "password", "token", "key" or "secret" when ``name`` names a credential."""
    words = [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if w]
    if not words:
        return None
    last, before = words[-1], words[-2] if len(words) > 1 else ""
    if last == "token" and before in _VOCABULARY:
        return None
    if last in ("password", "passwd", "passphrase"):
        return "password"
    if last in _SECRET_WORDS:
        return "token" if last == "token" else "key" if last == "apikey" else "secret"
    if last == "key" and before in _KEY_QUALIFIERS:
        return "key"
    if last == "id" and words[-3:] == ["access", "key", "id"]:
        return "key"
    return None


def _looks_secret(name: str, value: object, mapping: bool = False) -> bool:
    """Whether ``value``, stored under ``name``, is a credential rather than a placeholder."""
    kind = _secret_kind(name)
    if kind is None or not isinstance(value, str) or not _plausible(value):
        return False
    if mapping and re.fullmatch(r"[A-Za-z_]+", value):
        return False  # a column or field name
    # keys and tokens are long and random (letters and digits); a password can be anything
    return kind in ("password", "secret") or (
        len(value) >= 16 and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
    )


def _plausible(value: str) -> bool:
    """Whether a string could be a credential: not short, blank, a name, a path or a placeholder."""
    if len(value) < 8 or len(set(value)) < 4 or any(c.isspace() for c in value):
        return False
    if _ENV_NAME.fullmatch(value) or value.startswith(("http://", "https://", "/", "./", "~")):
        return False  # the name of an environment variable, a URL or a path
    if re.search(r"[<>{}\[\]$%*]|\.\.\.", value):
        return False  # a template or placeholder
    lowered = value.lower()
    if _PLACEHOLDER_WORDS.intersection(re.split(r"[^a-z0-9]+", lowered)):
        return False
    return not any(part in lowered for part in _PLACEHOLDER_PARTS)


def _message(name: str, value: object) -> str:
    length = len(value) if isinstance(value, str) else 0
    return (
        f"'{name}' holds a hard-coded secret ({length} chars): read it from the environment"
        " or a secrets manager, and revoke it"
    )
