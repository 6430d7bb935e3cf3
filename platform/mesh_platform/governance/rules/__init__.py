"""The governance rules, one module each: module name = rule name = function name.

Every rule is a function ``rule(contracts) -> Iterator[Finding]`` over the contracts of
the mesh by ``domain.product``; :data:`mesh_platform.governance.lint.RULES` orders them.
"""
