$(call add-objs,zs_node,zs_node.c zs_replay.c)
