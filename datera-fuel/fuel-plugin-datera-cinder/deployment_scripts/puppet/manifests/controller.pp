# Task 2 (every other controller): configure cinder-volume for Datera so
# that Pacemaker can run the single instance on this node after a failover.
include datera_cinder::controller
