"""Payments: the office's derdengelden account, the dossier's settlement statement and IBAN-fraud checks."""
