-- Export files are written in 1 MiB chunks and read back once. PostgreSQL
-- compressed each chunk with pglz on the way into TOAST, which was a fifth
-- of its CPU time during an export; stored out of line uncompressed, a
-- chunk costs a copy. (Existing chunks stay as they are: they expire.)
ALTER TABLE user_export_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
