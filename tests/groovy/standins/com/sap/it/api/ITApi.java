package com.sap.it.api;

/** Stand-in of SAP's marker interface that every script API service extends. */
public interface ITApi {
}
