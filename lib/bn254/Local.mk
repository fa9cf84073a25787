$(call add-objs,zs_evm,zs_bn254.c)
$(call add-integ-test,bn254-noble,test_bn254_noble.mjs)
