"""Answers to questions: what a question asks for, which story answers it, which of
its sentences say the answer."""
