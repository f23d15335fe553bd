//! The tenant client against emulated tenants over real HTTP.
