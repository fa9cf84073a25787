$(call add-objs,zs_fe,zs_fe.c)
$(call add-integ-test,frames-busy,test_busy.mjs)
