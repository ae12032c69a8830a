"""MyHealthHub's own archive: everything of one profile, restorable without loss.

``layout`` says what the archive holds (the format, from the models' own
``_meta``) and what it deliberately leaves out, ``shapes`` the shape of every
JSON column, ``writing`` writes it, ``reading`` opens one and checks every
value, ``checking`` every row and reference, and ``restoring`` turns a
checked archive into a new profile.
"""
