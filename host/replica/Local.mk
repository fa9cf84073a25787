# host/replica: a read replica's follower of the sequencer's data stream.
$(call add-objs,zs_replica,zs_replica.c)
$(call add-integ-test,replica,test_replica.mjs)
