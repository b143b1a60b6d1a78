"""Output normalisation and comparison (no kernels)."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from nbprod.rerun.compare import Item, compare, image_size, items, lines_match
from nbprod.rerun.normalise import MASKS, masks_markdown, normalise, terminal_text
from tests.conftest import ROOT


@pytest.mark.parametrize("mask", MASKS, ids=lambda m: m.name)
def test_each_mask_turns_its_example_into_the_documented_text(mask: object) -> None:
    example, masked = getattr(mask, "example"), getattr(mask, "masked")
    assert normalise(example) == ([masked] if masked else [])


def test_docs_show_the_mask_table() -> None:
    assert masks_markdown() in (ROOT / "docs" / "rerun.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text",
    [
        "accuracy: 0.91",
        "Epoch 1/10",
        "shape (150, 4)",
        "x = 1000",
        "[1 2 3]",
        "   petal_length  species\n0  1.4  setosa",
    ],
)
def test_results_are_not_masked(text: str) -> None:
    assert normalise(text) == [" ".join(line.split()) for line in text.splitlines()]


def test_terminal_semantics_colours_carriage_returns_and_backspaces() -> None:
    assert terminal_text("\x1b[31mred\x1b[0m") == "red"
    assert terminal_text("10%\r50%\r100%\ndone") == "100%\ndone"
    assert terminal_text("abc\x08\x08X") == "aX"


def test_progress_bars_and_warnings_are_dropped() -> None:
    text = (
        "Epoch 1/2\n"
        "3/3 [==============================] - 0s 12ms/step - loss: 0.7\n"
        "3/3 ━━━━━━━━━━━━━━━━━━━━ 1s 9ms/step - loss: 0.5\n"
        " 40%|████      | 2/5 [00:01<00:02,  1.9it/s]\n"
        "/x/y.py:3: DeprecationWarning: old\n"
        "final loss 0.5\n"
    )
    assert normalise(text) == ["Epoch 1/2", "final loss 0.5"]


def test_numbers_within_the_relative_tolerance_match() -> None:
    assert lines_match("loss 0.30000000000000004", "loss 0.3", 1e-6)
    assert lines_match("mean 1e-20", "mean 0.0", 1e-6)  # near zero: absolute tolerance
    assert lines_match("n nan", "n nan", 1e-6)
    assert not lines_match("loss 0.31", "loss 0.3", 1e-6)
    assert lines_match("loss 0.31", "loss 0.3", 0.1)
    assert not lines_match("loss 0.3", "gain 0.3", 1.0)
    assert not lines_match("1 2", "1 2 3", 1.0)


def stream(text: str) -> dict[str, object]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def png(width: int, height: int) -> str:
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
    header += struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return base64.b64encode(header + struct.pack(">I", zlib.crc32(header[12:]))).decode()


def display(data: dict[str, object]) -> dict[str, object]:
    return {"output_type": "display_data", "data": data, "metadata": {}}


def test_images_are_compared_by_presence_and_size() -> None:
    assert image_size("image/png", png(640, 480)) == (640, 480)
    small = items([display({"image/png": png(640, 480), "text/plain": "<Figure>"})])
    same = items([display({"image/png": png(636, 483), "text/plain": "<Figure 2>"})])
    big = items([display({"image/png": png(800, 600), "text/plain": "<Figure>"})])
    assert compare(small, same, 1e-6) is None
    difference = compare(small, big, 1e-6)
    assert difference is not None and difference.diff == ("- 640×480 pixels", "+ 800×600 pixels")
    gone = compare(small, [], 1e-6)
    assert gone is not None and gone.summary == "no image output any more"


def test_stderr_is_not_compared_and_stdout_chunks_are_joined() -> None:
    a = items([stream("a\n"), {"output_type": "stream", "name": "stderr", "text": "noise"}])
    b = items([stream("a"), stream("\n")])
    assert a == b == [Item("stdout", ("a",))]


def test_a_diff_shows_only_changed_lines_and_counts_the_rest() -> None:
    before = items([stream("".join(f"row {i} {i}\n" for i in range(10)))])
    after = items([stream("".join(f"row {i} {i * 2}\n" for i in range(10)))])
    difference = compare(before, after, 1e-6)
    assert difference is not None
    assert difference.diff[:2] == ("- row 1 1", "- row 2 2")
    assert difference.diff[-1] == "… 14 more changed lines"
    message = difference.message("stored", "fresh run")
    assert message.splitlines()[0] == "stdout differs (stored → fresh run)"


def test_html_only_outputs_are_compared_by_presence() -> None:
    a = items([display({"text/html": "<b>1</b>"})])
    b = items([display({"text/html": "<b>2</b>"})])
    assert compare(a, b, 1e-6) is None
