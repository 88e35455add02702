DROP TABLE custom_role_networks;
DROP TABLE member_networks;
