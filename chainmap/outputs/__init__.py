"""How results leave: tables, reports, maps and the knowledge graph."""
