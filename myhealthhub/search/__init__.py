"""One search per profile over its clinical entries and its documents' text.

How it holds together, and why:

- ``text.py`` folds text (compatibility decomposition, accents dropped, case
  folded) and splits it into words, in Python, for what is indexed and for
  what is asked alike. Both databases then only compare words that are
  already equal or not: "José" and "jose" meet on SQLite and PostgreSQL
  without ``unaccent`` (a superuser extension) and without a language
  stemmer (an English one mangles Spanish). Every query term matches as a
  prefix ("diabet" finds "diabetes" and "diabético"), which serves both
  languages; all terms must match.
- ``models.SearchItem`` keeps, per entry or document, its title and the
  beginning of its text as written, and the distinct folded words of all of
  it. The database's own index over those words is made by the migration:
  an FTS5 table kept by triggers on SQLite, generated tsvector columns with
  GIN indexes on PostgreSQL. ``index.py`` writes items; the actions that
  change entries and documents call it.
- ``engines.py`` asks each database for one profile's newest matching items,
  in the title first and then anywhere; user input reaches neither query
  language as syntax. ``query.py`` turns them into hits, and ``snippets.py``
  cuts and marks the snippet in Python, from the original text, so both
  databases show the same words with their accents.
"""
