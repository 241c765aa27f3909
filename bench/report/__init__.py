"""Reports: Plotly figures and writers (the only package that imports plotly)."""
