# Task 1 (primary controller): configure cinder-volume for Datera, then
# create the Pacemaker resource that runs one cinder-volume instance.
include datera_cinder::controller
include datera_cinder::pacemaker

Class['datera_cinder::controller'] -> Class['datera_cinder::pacemaker']
