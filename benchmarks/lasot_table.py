"""LaSOT's sequence lists and attribute names, as published with the benchmark.

LaSOT has 70 classes of 20 sequences (``<class>-1`` ... ``<class>-20``): protocol I evaluates all
1,400, protocol II the 280-sequence test set (4 per class, listed below; the same list as the
dataset's testing_set.txt). The extension subset adds 15 classes of 10 sequences. Attribute
flags (``annos/att/<seq>.txt`` in the evaluation toolkit) come in the toolkit's column order.
"""

from __future__ import annotations

from benchmarks.errors import BenchmarkError

ATTRIBUTES = ("IV", "POC", "DEF", "MB", "CM", "ROT", "BC", "VC", "SV", "FOC", "FM", "OV", "LR", "ARC")

SUBSETS = ("test", "full", "ext")

# class: the numbers of its 4 test-set sequences.
_TEST = """
airplane 1 9 13 15 | basketball 1 6 7 11 | bear 2 4 6 17 | bicycle 2 7 9 18 | bird 2 3 15 17
boat 3 4 12 17 | book 3 10 11 19 | bottle 1 12 14 18 | bus 2 5 17 19 | car 2 6 9 17 | cat 1 3 18 20
cattle 2 7 12 13 | chameleon 3 6 11 20 | coin 3 6 7 18 | crab 3 6 12 18 | crocodile 3 4 10 14
cup 1 4 7 17 | deer 4 8 10 14 | dog 1 7 15 19 | drone 2 7 13 15 | electricfan 1 10 18 20
elephant 1 12 16 18 | flag 2 3 5 9 | fox 2 3 5 20 | frog 3 4 9 20 | gametarget 1 2 7 13
gecko 1 5 16 19 | giraffe 2 10 13 15 | goldfish 3 7 8 10 | gorilla 4 6 9 13 | guitar 3 8 10 16
hand 2 3 9 16 | hat 1 2 5 18 | helmet 5 11 13 19 | hippo 1 7 9 20 | horse 1 4 12 15
kangaroo 2 5 11 14 | kite 4 6 10 15 | leopard 1 7 16 20 | licenseplate 6 12 13 15 | lion 1 5 12 20
lizard 1 3 6 13 | microphone 2 6 14 16 | monkey 3 4 9 17 | motorcycle 1 3 9 18 | mouse 1 8 9 17
person 1 5 10 12 | pig 2 10 13 18 | pool 3 7 12 15 | rabbit 10 13 17 19 | racing 10 15 16 20
robot 1 5 8 19 | rubicCube 1 6 14 19 | sepia 6 8 13 16 | shark 2 3 5 6 | sheep 3 5 7 9
skateboard 3 8 16 19 | spider 14 16 18 20 | squirrel 8 11 13 19 | surfboard 4 5 8 12
swing 10 14 17 20 | tank 6 9 14 16 | tiger 4 6 12 18 | train 1 7 11 20 | truck 3 6 7 16
turtle 5 8 9 16 | umbrella 2 9 17 19 | volleyball 1 13 18 19 | yoyo 7 15 17 19 | zebra 10 14 16 17
"""

_EXT_CLASSES = ("atv badminton cosplay dancingshoe footbag frisbee jianzi lantern misc opossum paddle "
                "raccoon rhino skatingshoe wingsuit").split()


def _test_set() -> dict[str, tuple[int, ...]]:
    table = {}
    for item in _TEST.replace("\n", " | ").split("|"):
        if item.strip():
            name, *numbers = item.split()
            table[name] = tuple(int(n) for n in numbers)
    return table


TEST_SET = _test_set()


def lasot_names(subset: str = "test") -> tuple[str, ...]:
    """Sequence names of ``test`` (280, protocol II), ``full`` (1,400, protocol I) or ``ext`` (150)."""
    if subset == "test":
        return tuple(f"{c}-{n}" for c, numbers in TEST_SET.items() for n in numbers)
    if subset == "full":
        return tuple(f"{c}-{n}" for c in TEST_SET for n in range(1, 21))
    if subset == "ext":
        return tuple(f"{c}-{n}" for c in _EXT_CLASSES for n in range(1, 11))
    raise BenchmarkError(f"unknown LaSOT subset {subset!r}; known: {', '.join(SUBSETS)}")
