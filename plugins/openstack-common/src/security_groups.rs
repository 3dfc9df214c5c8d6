//! Neutron security groups and their rules.

use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::types::{
    Error, SecurityGroup, SecurityGroupCreate, SecurityGroupRule, SecurityGroupRuleCreate,
};

impl<H: Host> Session<'_, H> {
    pub fn list_security_groups(&mut self) -> Result<Vec<SecurityGroup>, Error> {
        Err(Error::Unsupported(
            "list-security-groups is not implemented by this driver yet".into(),
        ))
    }

    pub fn get_security_group(&mut self, _id: &str) -> Result<SecurityGroup, Error> {
        Err(Error::Unsupported(
            "get-security-group is not implemented by this driver yet".into(),
        ))
    }

    pub fn create_security_group(
        &mut self,
        _spec: &SecurityGroupCreate,
    ) -> Result<SecurityGroup, Error> {
        Err(Error::Unsupported(
            "create-security-group is not implemented by this driver yet".into(),
        ))
    }

    pub fn delete_security_group(&mut self, _id: &str) -> Result<(), Error> {
        Err(Error::Unsupported(
            "delete-security-group is not implemented by this driver yet".into(),
        ))
    }

    pub fn create_security_group_rule(
        &mut self,
        _spec: &SecurityGroupRuleCreate,
    ) -> Result<SecurityGroupRule, Error> {
        Err(Error::Unsupported(
            "create-security-group-rule is not implemented by this driver yet".into(),
        ))
    }

    pub fn delete_security_group_rule(&mut self, _id: &str) -> Result<(), Error> {
        Err(Error::Unsupported(
            "delete-security-group-rule is not implemented by this driver yet".into(),
        ))
    }
}
