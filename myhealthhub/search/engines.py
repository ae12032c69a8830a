"""Each database's way to find one profile's matching items, newest first.

Both answer the same question the same way: every term must match a word
(whole, or as a prefix), in the title only or anywhere, and the newest
``limit`` items win (undated last, then the latest indexed). User input
never reaches either query language as syntax: terms are folded words of
letters and digits, and are quoted all the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from myhealthhub.search.text import Term

# The FTS5 rowid is (Julian day << 40) | id: see migrations/0001_initial.py.
ID_MASK = (1 << 40) - 1
SQLITE = "SELECT rowid & %s FROM search_fts WHERE search_fts MATCH %s ORDER BY rowid DESC LIMIT %s"
# PostgreSQL cannot read a GIN index in date order, and its estimates for
# prefix queries are poor, so the plan is chosen here, in two steps. First the
# profile's NEWEST_WINDOW newest items are walked in the order of the index
# search_newest and checked one by one: a common word fills the page within a
# few hundred rows. If that found fewer than asked, the matches are few or old,
# and the GIN index finds them all (MATERIALIZED keeps the planner from turning
# that back into a walk of the whole profile) before they are sorted.
NEWEST_WINDOW = 2000
# Only a column name, one of two constants, is put into the SQL text.
POSTGRESQL_NEWEST = {
    vector: f"""
    SELECT id FROM (
        SELECT id, date, {vector} FROM search_searchitem WHERE profile_id = %s
        ORDER BY date DESC NULLS LAST, id DESC LIMIT %s
    ) AS newest
    WHERE {vector} @@ %s::tsquery
    ORDER BY date DESC NULLS LAST, id DESC LIMIT %s"""  # noqa: S608
    for vector in ("title_vector", "words_vector")
}
POSTGRESQL_ALL = {
    vector: f"""
    WITH matching AS MATERIALIZED (
        SELECT id, date FROM search_searchitem
        WHERE profile_id = %s AND {vector} @@ %s::tsquery
    )
    SELECT id FROM matching ORDER BY date DESC NULLS LAST, id DESC LIMIT %s"""  # noqa: S608
    for vector in ("title_vector", "words_vector")
}


def matching_ids(
    profile_id: int, terms: Sequence[Term], *, in_title: bool, limit: int
) -> list[int]:
    if not terms or limit <= 0:
        return []
    if connection.vendor == "sqlite":
        return _sqlite(profile_id, terms, in_title=in_title, limit=limit)
    if connection.vendor == "postgresql":
        return _postgresql(profile_id, terms, in_title=in_title, limit=limit)
    raise NotImplementedError(f"search has no index for {connection.vendor}")


def fts5_query(profile_id: int, terms: Sequence[Term], *, in_title: bool) -> str:
    phrases = " AND ".join(
        '"' + term.text.replace('"', '""') + '"' + (" *" if term.prefix else "") for term in terms
    )
    column = "title" if in_title else "words"
    return f'profile : "p{int(profile_id)}" AND {{{column}}} : ({phrases})'


def tsquery(terms: Sequence[Term]) -> str:
    return " & ".join(_lexeme(term) + (":*" if term.prefix else "") for term in terms)


def _lexeme(term: Term) -> str:
    return "'" + term.text.replace("\\", "\\\\").replace("'", "''") + "'"


def _sqlite(profile_id: int, terms: Sequence[Term], *, in_title: bool, limit: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(SQLITE, [ID_MASK, fts5_query(profile_id, terms, in_title=in_title), limit])
        return [row[0] for row in cursor.fetchall()]


def _postgresql(profile_id: int, terms: Sequence[Term], *, in_title: bool, limit: int) -> list[int]:
    vector = "title_vector" if in_title else "words_vector"
    query = tsquery(terms)
    with connection.cursor() as cursor:
        cursor.execute(POSTGRESQL_NEWEST[vector], [profile_id, NEWEST_WINDOW, query, limit])
        ids = [row[0] for row in cursor.fetchall()]
        if len(ids) < limit:
            cursor.execute(POSTGRESQL_ALL[vector], [profile_id, query, limit])
            ids = [row[0] for row in cursor.fetchall()]
        return ids
