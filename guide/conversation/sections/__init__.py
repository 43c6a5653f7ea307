"""One function per section of an answer, in the order they appear: crisis, question, situation,
door, lines, right, declaration. Each takes the ``Draft`` (the turn, the prose in the person's
language, the citation list) and returns its sentences, or nothing."""
