"""Reads that need care, one module per concern; the grade helpers are used everywhere."""

from .grades import CitationGrade, citation_grades, claim_evidence_grades, source_consensus

__all__ = ["CitationGrade", "citation_grades", "claim_evidence_grades", "source_consensus"]
