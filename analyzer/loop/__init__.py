"""Closing the loop: teams own themes, record what they did, and see whether it worked.

::

    curation     an analyst's edits to a run's themes (rename, merge, split, move, owner)
    actions      actions taken on themes, and their verdicts against the scores
    teams        each owner team's themes, trends, pain points and actions
    suggestions  readers' suggestions, reviewed by analysts
"""
