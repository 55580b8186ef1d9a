"""Declared workflows: what may happen to each kind of object, as data plus pure guard functions.

Nothing here imports Flask; the engine in grants/engine runs these declarations.
"""
