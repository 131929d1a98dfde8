"""Text helpers every stage shares: Unicode normalisation, sentence boundaries with
exact offsets, and the shipped word lists (stopwords, irregular verbs)."""
