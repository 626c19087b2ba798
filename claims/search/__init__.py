"""Full-text search over the claims: statements, people's names in every script, source titles.

words.py turns words into keys; index.py keeps the index in step with every write;
query.py matches and ranks; highlight.py marks what matched. docs/design.md, "Search".
"""
