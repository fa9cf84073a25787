$(call add-objs,zs_exec,zs_exec.c zs_exec_evm.c zs_exec_batch.c)
