"""The bottom layer: records every stage shares, and how files are written.

The codebook's schemes and labels, the library's errors, the columns of the
published tables, files written atomically (with the run lock, and the SHA-256 that
documents are known by), spreadsheet cells made safe, and loopback addresses. It
imports no other part of the library.
"""
