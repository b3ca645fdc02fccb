"""Getting the documents: the corpus, its manifest, and pulls from a list of sources.

The corpus is a folder or a URL with a manifest saying which file is which
territory's document and which files may be read; a pull fetches new documents from
a list of sources into a corpus. Imports only the records layer.
"""
