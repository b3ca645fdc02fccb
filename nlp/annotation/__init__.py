"""The top layer: analysts' judgements, from choosing sentences to storing them.

Which sentences analysts should label next (active learning), the files they label
and reading what they return, the judgement record, and the store that keeps every
judgement with its schema. It may import every other layer.
"""
