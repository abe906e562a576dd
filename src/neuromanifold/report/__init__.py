"""Layer 7: tables, figures and reports."""
