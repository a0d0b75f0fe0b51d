# The per-release table: what each Cinder release's Datera driver is
# called and which options it has. Written for Puppet 3 (Fuel 7.0-9.0) and
# Puppet 7, so plain hashes and no data types.
class datera_cinder::params {
  # Fuel release -> OpenStack release it deploys.
  $fuel_releases = {
    '7.0' => 'kilo',
    '8.0' => 'liberty',
    '9.0' => 'mitaka',
  }

  # driver:          volume_driver class path.
  # replica_option:  option holding the default replica count.
  # replica_prefix:  text in front of the count in that option's value.
  # tenants:         whether the driver has datera_tenant_id.
  # resource_class:  Pacemaker resource class that starts cinder-volume
  #                  (Fuel 7.0-9.0 run Ubuntu 14.04 with upstart).
  $drivers = {
    # Kilo to Ocata: one module, cinder/volume/drivers/datera.py.
    'kilo'    => {
      'driver'         => 'cinder.volume.drivers.datera.DateraDriver',
      'replica_option' => 'datera_num_replicas',
      'replica_prefix' => '',
      'tenants'        => false,
      'resource_class' => 'upstart',
    },
    'liberty' => {
      'driver'         => 'cinder.volume.drivers.datera.DateraDriver',
      'replica_option' => 'datera_num_replicas',
      'replica_prefix' => '',
      'tenants'        => false,
      'resource_class' => 'upstart',
    },
    'mitaka'  => {
      'driver'         => 'cinder.volume.drivers.datera.DateraDriver',
      'replica_option' => 'datera_num_replicas',
      'replica_prefix' => '',
      'tenants'        => false,
      'resource_class' => 'upstart',
    },
    # The datera package (driver 2019.12.10.0, checked against cinder
    # 29.0.0): datera_num_replicas is gone; the default replica count is
    # the DF:replica_count volume-type default.
    'current' => {
      'driver'         => 'cinder.volume.drivers.datera.datera_iscsi.DateraDriver',
      'replica_option' => 'datera_volume_type_defaults',
      'replica_prefix' => 'replica_count:',
      'tenants'        => true,
      'resource_class' => 'systemd',
    },
  }

  $volume_service = 'cinder-volume'
  $packages = ['cinder-volume', 'open-iscsi']
  $cinder_conf_path = '/etc/cinder/cinder.conf'
  $cinder_conf_owner = 'root'
  $cinder_conf_group = 'cinder'
  $state_dir = '/var/lib/fuel-plugin-datera-cinder'
}
