"""Issue 18: each finding of the server trust review, reproduced and refused."""
