$(call add-objs,zs_evm,zs_bn254.c)
