$(call add-objs,zs_chain,zs_chain.c zs_receipt.c)
