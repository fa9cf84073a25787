$(call add-objs,zs_l1view,zs_l1view.c zs_l1rec.c)
