$(call add-objs,zs_pool,zs_pool.c)
