$(call add-objs,zs_node,zs_node.c)
