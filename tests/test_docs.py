"""The design and the article the seed comes from travel with the repository (issue 10)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRACKED_TEXT = [
    *ROOT.glob("*.md"),
    *ROOT.glob("docs/*.md"),
    *ROOT.glob("claims/**/*.py"),
    *ROOT.glob("tests/*.py"),
    ROOT / "Makefile",
    ROOT / "requirements.txt",
]


def test_nothing_points_outside_the_repository_for_the_design():
    outside = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in TRACKED_TEXT
        if path.is_file() and path.name != "test_docs.py"
        for line in path.read_text(encoding="utf-8").splitlines()
        if "../shared" in line
    ]
    assert outside == []


def test_every_relative_link_of_the_readme_and_the_design_names_a_file_of_the_repository():
    missing = []
    for document in (ROOT / "README.md", ROOT / "docs" / "design.md"):
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", document.read_text(encoding="utf-8")):
            if not (document.parent / target).exists():
                missing.append(f"{document.relative_to(ROOT)} -> {target}")
    assert missing == []


def test_the_design_names_the_seed_article_which_is_in_the_repository():
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    assert "seed/case-of-military-1937.txt" in design
    article = (ROOT / "docs" / "seed" / "case-of-military-1937.txt").read_text(encoding="utf-8")
    assert "Case of Trotskyist Anti-Soviet Military Organization" in article
