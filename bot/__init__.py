"""Question answering over Vietnamese digital-transformation (chuyển đổi số) articles, with citations."""

__version__ = "0.1.0"
