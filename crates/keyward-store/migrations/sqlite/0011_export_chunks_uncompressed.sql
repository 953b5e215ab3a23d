-- PostgreSQL's 0011 stops compressing export chunks; SQLite never
-- compresses, so nothing changes here. The migration exists so that both
-- backends' schema versions stay the same number.
SELECT 1;
