"""Validate claim_pairs.jsonl and print counts per category and language pair.

Usage: python tests/memory/data/check_pairs.py [path]
Exits non-zero if a line does not parse, a field is missing or invalid,
or a minimum count from the set's specification is not met.
"""

import json
import sys
from collections import Counter
from pathlib import Path

LANGS = {"en", "ru", "uk", "de", "fr", "es", "pt"}
CATEGORIES = {"paraphrase", "translation", "cross_paraphrase", "hard_negative", "unrelated"}
NEGATIVE_KINDS = {"number", "place", "date", "actor"}
KEYS = ("id", "a", "b", "lang_a", "lang_b", "same", "category", "negative_kind", "note")
SAME_BY_CATEGORY = {
    "paraphrase": True,
    "translation": True,
    "cross_paraphrase": True,
    "hard_negative": False,
    "unrelated": False,
}


def pair_key(row):
    return "-".join(sorted((row["lang_a"], row["lang_b"])))


def load(path):
    rows, errors, ids = [], [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: {exc}")
            continue
        missing = [k for k in KEYS if k not in row]
        if missing:
            errors.append(f"line {n}: missing {missing}")
            continue
        if row["id"] in ids:
            errors.append(f"line {n}: duplicate id {row['id']}")
        ids.add(row["id"])
        if row["category"] not in CATEGORIES:
            errors.append(f"{row['id']}: unknown category {row['category']!r}")
        elif row["same"] is not SAME_BY_CATEGORY[row["category"]]:
            errors.append(f"{row['id']}: same={row['same']} contradicts {row['category']}")
        if {row["lang_a"], row["lang_b"]} - LANGS:
            errors.append(f"{row['id']}: unknown language")
        same_lang = row["lang_a"] == row["lang_b"]
        if row["category"] == "paraphrase" and not same_lang:
            errors.append(f"{row['id']}: paraphrase across languages")
        if row["category"] in ("translation", "cross_paraphrase") and same_lang:
            errors.append(f"{row['id']}: {row['category']} within one language")
        if row["category"] == "hard_negative":
            if row["negative_kind"] not in NEGATIVE_KINDS:
                errors.append(f"{row['id']}: bad negative_kind {row['negative_kind']!r}")
        elif row["negative_kind"]:
            errors.append(f"{row['id']}: negative_kind set on {row['category']}")
        if not row["a"].strip() or not row["b"].strip() or row["a"] == row["b"]:
            errors.append(f"{row['id']}: empty or identical texts")
        rows.append(row)
    return rows, errors


def counts(rows):
    by_cat = Counter(r["category"] for r in rows)
    by_cat_pair = Counter((r["category"], pair_key(r)) for r in rows)
    kinds = Counter(r["negative_kind"] for r in rows if r["category"] == "hard_negative")
    cross_negatives = sum(
        1 for r in rows if r["category"] == "hard_negative" and r["lang_a"] != r["lang_b"]
    )
    short = sum(1 for r in rows if min(len(r["a"].split()), len(r["b"].split())) < 8)
    return by_cat, by_cat_pair, kinds, cross_negatives, short


def requirements(rows):
    by_cat, by_cat_pair, kinds, cross_negatives, short = counts(rows)
    checks = [
        ("pairs >= 220", len(rows) >= 220),
        ("en paraphrase >= 50", by_cat_pair["paraphrase", "en-en"] >= 50),
        ("translation en-ru >= 15", by_cat_pair["translation", "en-ru"] >= 15),
        ("translation en-uk >= 15", by_cat_pair["translation", "en-uk"] >= 15),
        ("cross_paraphrase >= 20", by_cat["cross_paraphrase"] >= 20),
        ("hard_negative >= 60", by_cat["hard_negative"] >= 60),
        ("cross-lingual hard_negative >= 15", cross_negatives >= 15),
        ("unrelated >= 20", by_cat["unrelated"] >= 20),
        ("pairs with a side under 8 words >= 15", short >= 15),
        ("translation ru-uk >= 5", by_cat_pair["translation", "ru-uk"] >= 5),
    ]
    checks += [
        (
            f"translation en-{lang} >= 10",
            by_cat_pair["translation", "-".join(sorted(("en", lang)))] >= 10,
        )
        for lang in ("de", "fr", "es", "pt")
    ]
    checks += [
        (f"hard_negative {kind} >= 12", kinds[kind] >= 12) for kind in sorted(NEGATIVE_KINDS)
    ]
    return checks


def report(rows):
    by_cat, by_cat_pair, kinds, cross_negatives, short = counts(rows)
    lines = ["| category | language pair | pairs |", "|---|---|---|"]
    for (cat, pair), n in sorted(by_cat_pair.items()):
        lines.append(f"| {cat} | {pair} | {n} |")
    lines.append("")
    lines.append("| category | pairs |")
    lines.append("|---|---|")
    for cat in sorted(by_cat):
        lines.append(f"| {cat} | {by_cat[cat]} |")
    lines.append(f"| **total** | {len(rows)} |")
    lines.append("")
    lines.append("hard negatives by kind: " + ", ".join(f"{k} {kinds[k]}" for k in sorted(kinds)))
    lines.append(f"cross-lingual hard negatives: {cross_negatives}")
    lines.append(
        f"same=true: {sum(r['same'] for r in rows)}, same=false: {sum(not r['same'] for r in rows)}"
    )
    lines.append(f"pairs with a side under 8 words: {short}")
    return "\n".join(lines)


def main(argv):
    path = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("claim_pairs.jsonl")
    rows, errors = load(path)
    print(report(rows))
    failed = [name for name, ok in requirements(rows) if not ok]
    for message in errors:
        print("ERROR:", message)
    for name in failed:
        print("NOT MET:", name)
    return 1 if errors or failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
