"""Console page groups, one module each; ``console.router`` includes them all."""
