"""PDF documents to clean page text, one page at a time.

The checks before a file is opened, the page readers (pdfplumber, or pdfium's
words), the layout of a page into lines, columns and tables, running lines and text
cleanup, OCR of scanned pages, and the worker process that stops a document past its
time limit. Imports only the records and ingest layers.
"""
