"""The model and the math: Network, the math table, the scalar engine and its Trace."""
