# Claims, certificates and their audit trail arrive with the certificates issue (#5).
