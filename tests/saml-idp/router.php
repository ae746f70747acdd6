<?php
// PHP's built-in server as SimpleSAMLphp's web server: scripts under www/ with
// their PATH_INFO (module.php/core/loginuserpass.php), files served as they are.
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if (preg_match('#^(/.+?\.php)(/.*)?$#', $path, $m) && is_file($_SERVER['DOCUMENT_ROOT'] . $m[1])) {
    $_SERVER['SCRIPT_NAME'] = $m[1];
    $_SERVER['SCRIPT_FILENAME'] = $_SERVER['DOCUMENT_ROOT'] . $m[1];
    $_SERVER['PHP_SELF'] = $path;
    $_SERVER['PATH_INFO'] = isset($m[2]) ? $m[2] : '';
    chdir(dirname($_SERVER['SCRIPT_FILENAME']));
    require $_SERVER['SCRIPT_FILENAME'];
    return true;
}
return false;
