"""The governance rules, one module each: module name = rule name = function name.

Every rule is a function ``rule(mesh) -> Iterator[Finding]`` over the
:class:`~mesh_platform.governance.mesh.Mesh`: the contracts by ``domain.product`` and the
product definitions read from the domains' folders (SQL files, Python declarations);
:data:`mesh_platform.governance.lint.RULES` orders them.
"""
